import { describe, expect, it } from 'vitest';

import { GatekeeperError } from '../errors.js';
import { assertCallDeadlineNotPassed, runInCallScope } from './call-scope.js';

/** Runs the check inside a promise, so a throw becomes a rejection. */
function checkInsideScope(): Promise<void> {
  return new Promise((resolve) => {
    assertCallDeadlineNotPassed();
    resolve();
  });
}

describe('call deadline scope', () => {
  it('passes before the deadline', async () => {
    const deadline = new Date(Date.now() + 60_000);
    await expect(runInCallScope(deadline, checkInsideScope)).resolves.toBeUndefined();
  });

  it('throws DEADLINE_EXCEEDED after the deadline', async () => {
    const deadline = new Date(Date.now() - 1);
    const check = runInCallScope(deadline, checkInsideScope);
    await expect(check).rejects.toBeInstanceOf(GatekeeperError);
    await expect(check).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('keeps the deadline across awaits', async () => {
    const deadline = new Date(Date.now() + 20);
    const check = runInCallScope(deadline, async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      assertCallDeadlineNotPassed();
    });
    await expect(check).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('passes outside any call', () => {
    expect(() => assertCallDeadlineNotPassed()).not.toThrow();
  });
});
