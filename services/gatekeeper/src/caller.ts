import type { Logger } from 'pino';

/** The end user on whose behalf a call runs, taken from the verified access token. */
export interface Caller {
  readonly issuer: string;
  readonly subject: string;
  readonly roles: readonly string[];
}

/** What every business function receives besides its request. */
export interface CallContext {
  readonly caller: Caller;
  readonly requestId: string;
  readonly logger: Logger;
  /** The client's `idempotency-key` metadata: a write with a key runs at most once. */
  readonly idempotencyKey?: string;
  /** The call's deadline, when the client set one. */
  readonly deadline?: Date;
}

export const adminRole = 'admin';

export function isAdmin(caller: Caller): boolean {
  return caller.roles.includes(adminRole);
}
