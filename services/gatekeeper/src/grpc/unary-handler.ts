import {
  Metadata,
  status,
  type Deadline,
  type handleUnaryCall,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { databaseTimeHeader } from '@palisade/contracts';
import type { AccessTokenVerifier } from '@palisade/identity';
import type { Logger } from 'pino';

import { authenticateEndUser } from '../auth/end-user.js';
import type { CallContext } from '../caller.js';
import { translateDatabaseError } from '../db/database-errors.js';
import { idempotencyKeyOf } from '../idempotency/idempotency-key.js';
import { newCallScope, runInCallScope, type CallScope } from './call-scope.js';
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
    const callScope = newCallScope(deadlineOf(call.getDeadline()));
    run(dependencies, businessFunction, call, requestId, callScope).then(
      (response) => {
        sendTiming(call, callScope);
        callback(null, response);
      },
      (error: unknown) => {
        const logger = dependencies.logger.child({ request_id: requestId, method: call.getPath() });
        const failure = toStatus(error, logger);
        sendTiming(call, callScope);
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
  callScope: CallScope,
): Promise<Response> {
  const caller = await authenticateEndUser(dependencies.verifier, call.metadata);
  const idempotencyKey = idempotencyKeyOf(call.metadata);
  const { deadline } = callScope;
  // One child logger per call: each child of a redacting logger runs the redaction over its
  // bindings. A failed call gets its own in unaryHandler.
  const logger = dependencies.logger.child({
    request_id: requestId,
    method: call.getPath(),
    subject: caller.subject,
  });
  const context: CallContext = {
    caller,
    requestId,
    logger,
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(deadline === undefined ? {} : { deadline }),
  };
  return runInCallScope(callScope, () => businessFunction(context, call.request));
}

/**
 * Sends the call's database time in the response headers, right before the response. It is not
 * a trailer because the OpenTelemetry gRPC instrumentation drops the trailer of a unary response.
 */
function sendTiming(call: ServerUnaryCall<unknown, unknown>, callScope: CallScope): void {
  const headers = new Metadata();
  headers.set(databaseTimeHeader, String(callScope.databaseNanoseconds / 1000n));
  call.sendMetadata(headers);
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
