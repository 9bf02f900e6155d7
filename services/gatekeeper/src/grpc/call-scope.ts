import { AsyncLocalStorage } from 'node:async_hooks';

import { GatekeeperError } from '../errors.js';

interface CallScope {
  readonly deadline: Date | undefined;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `work` with the call's deadline visible to every transaction it opens. */
export function runInCallScope<T>(deadline: Date | undefined, work: () => Promise<T>): Promise<T> {
  return scope.run({ deadline }, work);
}

/**
 * Throws DEADLINE_EXCEEDED when the current call's deadline has passed. The
 * transaction helper calls it right before COMMIT, so a write whose caller has
 * already given up (and returned 504 to its own client) is rolled back.
 * NOTE: a deadline that passes during the COMMIT or while the reply travels
 * still leaves the write committed behind a 504; a client that retries a write
 * sends an Idempotency-Key, which makes the retry return the first result.
 */
export function assertCallDeadlineNotPassed(): void {
  const deadline = scope.getStore()?.deadline;
  if (deadline !== undefined && Date.now() >= deadline.getTime()) {
    throw new GatekeeperError(
      'DEADLINE_EXCEEDED',
      'the call deadline passed before the change was committed; nothing was written',
    );
  }
}
