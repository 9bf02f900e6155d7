import { describe, expect, it } from 'vitest';

import { GatekeeperError } from '../errors.js';
import {
  assertCallDeadlineNotPassed,
  newCallScope,
  outsideCallScope,
  runInCallScope,
  startDatabaseTimer,
} from './call-scope.js';

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
    await expect(runInCallScope(newCallScope(deadline), checkInsideScope)).resolves.toBeUndefined();
  });

  it('throws DEADLINE_EXCEEDED after the deadline', async () => {
    const deadline = new Date(Date.now() - 1);
    const check = runInCallScope(newCallScope(deadline), checkInsideScope);
    await expect(check).rejects.toBeInstanceOf(GatekeeperError);
    await expect(check).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('keeps the deadline across awaits', async () => {
    const deadline = new Date(Date.now() + 20);
    const check = runInCallScope(newCallScope(deadline), async () => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      assertCallDeadlineNotPassed();
    });
    await expect(check).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('passes outside any call', () => {
    expect(() => assertCallDeadlineNotPassed()).not.toThrow();
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('database time of a call', () => {
  it('adds each timed wait to the call that started it', async () => {
    const first = newCallScope(undefined);
    const second = newCallScope(undefined);
    await Promise.all([
      runInCallScope(first, async () => {
        const stop = startDatabaseTimer();
        await sleep(30);
        stop();
      }),
      runInCallScope(second, async () => {
        await sleep(30);
      }),
    ]);
    expect(first.databaseNanoseconds).toBeGreaterThanOrEqual(25_000_000n);
    expect(second.databaseNanoseconds).toBe(0n);
  });

  it('counts a timer stopped twice once', async () => {
    const callScope = newCallScope(undefined);
    await runInCallScope(callScope, async () => {
      const stop = startDatabaseTimer();
      await sleep(20);
      stop();
      const once = callScope.databaseNanoseconds;
      await sleep(20);
      stop();
      expect(callScope.databaseNanoseconds).toBe(once);
    });
  });

  it('charges work started outside the call scope to no call', async () => {
    const callScope = newCallScope(undefined);
    await runInCallScope(callScope, () =>
      outsideCallScope(async () => {
        const stop = startDatabaseTimer();
        await sleep(10);
        stop();
      }),
    );
    expect(callScope.databaseNanoseconds).toBe(0n);
  });
});
