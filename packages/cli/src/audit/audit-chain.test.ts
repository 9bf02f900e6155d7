import { describe, expect, it } from 'vitest';

import { eventHash, genesisHash, type ChainedEventFields } from './audit-chain.js';

const event: ChainedEventFields = {
  id: '8a4f1c1e-0b0e-4c55-9c1f-2d7a0f3c9b11',
  occurredAt: '2026-01-02T03:04:05.123456Z',
  actorId: null,
  actorSubject: 'subject-1',
  action: 'profile.read',
  targetType: 'profile',
  targetId: 'target-1',
  requestId: 'request-1',
};

describe('eventHash', () => {
  it('returns 32 bytes and is stable', () => {
    expect(eventHash(genesisHash, event)).toHaveLength(32);
    expect(eventHash(genesisHash, event)).toEqual(eventHash(genesisHash, { ...event }));
  });

  it('depends on the previous hash', () => {
    const other = Buffer.alloc(32, 1);

    expect(eventHash(other, event)).not.toEqual(eventHash(genesisHash, event));
  });

  it('keeps field boundaries apart', () => {
    const first = { ...event, actorSubject: 'ab', action: 'c' };
    const second = { ...event, actorSubject: 'a', action: 'bc' };

    expect(eventHash(genesisHash, first)).not.toEqual(eventHash(genesisHash, second));
  });

  it('tells NULL from an empty string', () => {
    expect(eventHash(genesisHash, { ...event, actorId: '' })).not.toEqual(
      eventHash(genesisHash, event),
    );
  });
});
