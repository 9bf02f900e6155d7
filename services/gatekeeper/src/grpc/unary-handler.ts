import { status, type Deadline, type handleUnaryCall, type ServerUnaryCall } from '@grpc/grpc-js';
import type { AccessTokenVerifier } from '@palisade/identity';
import type { Logger } from 'pino';

import { authenticateEndUser } from '../auth/end-user.js';
import type { CallContext } from '../caller.js';
import { translateDatabaseError } from '../db/database-errors.js';
import { idempotencyKeyOf } from '../idempotency/idempotency-key.js';
import { runInCallScope } from './call-scope.js';
import { requestIdOf } from './request-id.js';

export interface HandlerDependencies {
  readonly verifier: AccessTokenVerifier;
  readonly logger: Logger;
}

/**
 * Adapts a business function to a grpc-js unary handler: authenticates the end
 * user, builds the call context, and turns every failure into a status with a
 * safe message. Unexpected errors are logged with the request id and leave as
 * INTERNAL without details.
 */
export function unaryHandler<Request, Response>(
  dependencies: HandlerDependencies,
  businessFunction: (context: CallContext, request: Request) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const requestId = requestIdOf(call.metadata);
    const logger = dependencies.logger.child({ request_id: requestId, method: call.getPath() });

    run(dependencies, businessFunction, call, requestId, logger).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure = toStatus(error, logger);
        callback({ code: failure.code, details: failure.details });
      },
    );
  };
}

async function run<Request, Response>(
  dependencies: HandlerDependencies,
  businessFunction: (context: CallContext, request: Request) => Promise<Response>,
  call: ServerUnaryCall<Request, Response>,
  requestId: string,
  logger: Logger,
): Promise<Response> {
  const caller = await authenticateEndUser(dependencies.verifier, call.metadata);
  const idempotencyKey = idempotencyKeyOf(call.metadata);
  const deadline = deadlineOf(call.getDeadline());
  const context: CallContext = {
    caller,
    requestId,
    logger: logger.child({ subject: caller.subject }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(deadline === undefined ? {} : { deadline }),
  };
  return runInCallScope(deadline, () => businessFunction(context, call.request));
}

/** Converts the call's deadline to a date; undefined when the client set none (Infinity). */
function deadlineOf(deadline: Deadline): Date | undefined {
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline) : undefined;
}

function toStatus(error: unknown, logger: Logger): { code: status; details: string } {
  const known = translateDatabaseError(error);
  if (known === undefined) {
    logger.error({ err: error }, 'business function failed');
    return { code: status.INTERNAL, details: 'internal error' };
  }

  if (known.status === status.UNAVAILABLE || known.status === status.DEADLINE_EXCEEDED) {
    logger.warn({ err: known.cause ?? known, code: known.code }, 'business function unavailable');
  } else {
    logger.info({ code: known.code, reason: known.message }, 'business function rejected the call');
  }
  return { code: known.status, details: known.message };
}
