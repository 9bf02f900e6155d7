import { describe, expect, it } from 'vitest';

import { backoffDelayMs } from './backoff.js';

const policy = { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelayMs', () => {
  it('doubles the ceiling with each attempt', () => {
    expect(backoffDelayMs(policy, 1, () => 1)).toBe(100);
    expect(backoffDelayMs(policy, 2, () => 1)).toBe(200);
    expect(backoffDelayMs(policy, 3, () => 1)).toBe(400);
  });

  it('never exceeds the largest delay', () => {
    expect(backoffDelayMs(policy, 10, () => 1)).toBe(1000);
  });

  it('keeps at least half of the ceiling whatever the jitter', () => {
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(200);
  });
});
