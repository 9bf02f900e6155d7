/** The idempotency key was used before with a different request. */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';

  constructor() {
    super(
      'This idempotency key was already used with a different request; send a new key for a new request',
    );
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** A request with the same idempotency key is still running and did not finish in time. */
export class IdempotencyRequestInProgressError extends Error {
  readonly code = 'IDEMPOTENCY_REQUEST_IN_PROGRESS';

  constructor() {
    super('A request with this idempotency key is still in progress; retry it later');
    this.name = 'IdempotencyRequestInProgressError';
  }
}
