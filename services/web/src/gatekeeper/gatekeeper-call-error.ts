import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/**
 * Raised when a gatekeeper call ends with a non-OK gRPC status. It keeps the status in protocol
 * terms (`status`, `details`) and the stack of the code that made the call, which the grpc-js
 * callback error lacks.
 */
export class GatekeeperCallError extends Error {
  readonly code = 'GATEKEEPER_CALL_FAILED';

  constructor(
    /** gRPC method path, for example `/palisade.gatekeeper.v1.UserService/EnsureUser`. */
    readonly method: string,
    readonly status: GrpcStatus,
    /** Status message from the server, safe to show to clients only for client errors. */
    readonly details: string,
    options?: ErrorOptions,
  ) {
    super(`${method} failed with ${GrpcStatus[status] ?? status}: ${details}`, options);
    this.name = 'GatekeeperCallError';
  }

  /** Wraps a grpc-js error and gives it the stack captured where the call started. */
  static from(method: string, error: ServiceError, callerStack: string | undefined) {
    const wrapped = new GatekeeperCallError(method, error.code, error.details, { cause: error });
    if (callerStack !== undefined) {
      wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${callerStack}`;
    }
    return wrapped;
  }
}
