import { status } from '@grpc/grpc-js';

/** Conditions the gatekeeper reports to its callers, each with its gRPC status. */
export const errorStatus = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  ABORTED: status.ABORTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
} as const;

export type GatekeeperErrorCode = keyof typeof errorStatus;

/**
 * An error whose message is safe to send to the caller. Anything else that
 * escapes a business function leaves as INTERNAL with a generic message.
 */
export class GatekeeperError extends Error {
  constructor(
    readonly code: GatekeeperErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'GatekeeperError';
  }

  get status(): status {
    return errorStatus[this.code];
  }
}

export function invalidArgument(message: string): GatekeeperError {
  return new GatekeeperError('INVALID_ARGUMENT', message);
}

export function permissionDenied(message: string): GatekeeperError {
  return new GatekeeperError('PERMISSION_DENIED', message);
}

export function notFound(message: string): GatekeeperError {
  return new GatekeeperError('NOT_FOUND', message);
}
