import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

import type { AccessPolicies } from '../auth/access-policy.js';
import type { CallContext } from '../gatekeeper/call-context.js';
import type { Gatekeeper } from '../gatekeeper/gatekeeper-client.js';
import { traceContextOf } from '../http/trace-context.js';

/** The Fastify instance with TypeBox types, as route modules receive it. */
export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Time limits of request handling, in milliseconds. */
export interface Timeouts {
  /** Maximum wait for one gatekeeper call. */
  readonly gatekeeperMs: number;
  /** Budget of a whole HTTP request. No gatekeeper deadline runs past it. */
  readonly requestMs: number;
}

/** Dependencies of the route modules. */
export interface RouteDependencies {
  readonly gatekeeper: Gatekeeper;
  readonly policies: AccessPolicies;
  readonly timeouts: Timeouts;
}

/** Security requirement of routes that take a bearer token, for the OpenAPI document. */
export const bearerSecurity = [{ bearerAuth: [] }];

/**
 * Builds the gatekeeper call context of a request. The deadline is the gatekeeper timeout from
 * now, or the end of the request budget when that comes first.
 */
export function callContextOf(
  request: FastifyRequest,
  reply: FastifyReply,
  timeouts: Timeouts,
  maxWaitMs: number = timeouts.gatekeeperMs,
): CallContext {
  const budgetLeftMs = Math.max(0, timeouts.requestMs - reply.elapsedTime);
  const deadline = new Date(Date.now() + Math.min(maxWaitMs, budgetLeftMs));
  const accessToken = request.principal?.accessToken;
  const idempotencyKey = request.idempotencyKey;

  return {
    requestId: request.id,
    deadline,
    ...(accessToken !== undefined ? { accessToken } : {}),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...traceContextOf(request.headers),
  };
}
