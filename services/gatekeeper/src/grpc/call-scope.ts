import { AsyncLocalStorage } from 'node:async_hooks';

import { GatekeeperError } from '../errors.js';

/** State of one gRPC call that the code it runs can reach without passing it along. */
export interface CallScope {
  readonly deadline: Date | undefined;
  /** Time the call spent waiting for PostgreSQL: for a connection, statements and audit writes. */
  databaseNanoseconds: bigint;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Creates the scope of a call that must finish by `deadline`. */
export function newCallScope(deadline: Date | undefined): CallScope {
  return { deadline, databaseNanoseconds: 0n };
}

/** Runs `work` with `callScope` visible to every transaction it opens. */
export function runInCallScope<T>(callScope: CallScope, work: () => Promise<T>): Promise<T> {
  return scope.run(callScope, work);
}

/** Runs `work` outside any call, so that shared work is charged to none of them. */
export function outsideCallScope<T>(work: () => T): T {
  return scope.exit(work);
}

/**
 * Starts timing a wait for the database and returns the function that stops it. Stopping adds
 * the time since the start to the call that was current at the start, once. Outside a call it
 * adds nothing.
 */
export function startDatabaseTimer(): () => void {
  const callScope = scope.getStore();
  if (callScope === undefined) return () => undefined;
  const startedAt = process.hrtime.bigint();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    callScope.databaseNanoseconds += process.hrtime.bigint() - startedAt;
  };
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
