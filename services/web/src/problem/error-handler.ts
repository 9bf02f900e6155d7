import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { GatekeeperCallError } from '../gatekeeper/gatekeeper-call-error.js';
import { fieldErrorsOf } from '../http/schema-validation.js';
import { problemKindOfGrpcStatus } from './grpc-status.js';
import {
  PROBLEM_MEDIA_TYPE,
  ProblemError,
  buildProblem,
  problemKinds,
  type FieldError,
  type ProblemKind,
} from './problem.js';

/** An error after classification: its problem kind, the detail sent to the client, extra headers. */
export interface ClassifiedError {
  readonly kind: ProblemKind;
  readonly detail: string;
  readonly errors?: readonly FieldError[];
  readonly headers?: Readonly<Record<string, string>>;
}

const GENERIC_DETAIL = 'An unexpected error occurred; quote the request id when reporting it';

/** Fastify's own client errors (`FST_ERR_*`), each with a problem kind and a fixed detail. */
const fastifyClientErrors: Readonly<Record<string, ClassifiedError>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    kind: problemKinds.malformedBody,
    detail: 'The request body is not valid JSON',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    kind: problemKinds.malformedBody,
    detail: 'The request body is empty but the content type says JSON: send a JSON object',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    kind: problemKinds.unsupportedMediaType,
    detail: 'Send the body as application/json',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    kind: problemKinds.bodyTooLarge,
    detail: 'The request body exceeds the size limit',
  },
};

/**
 * Classifies any error thrown while handling a request. Only messages known to be safe reach
 * the client: anything unexpected becomes a 500 with a generic detail.
 */
export function classifyError(error: unknown): ClassifiedError {
  if (error instanceof ProblemError) {
    return { kind: error.kind, detail: error.detail, ...error.options };
  }
  if (error instanceof GatekeeperCallError) return classifyGatekeeperError(error);

  const fastifyError = error as Partial<FastifyError>;
  if (Array.isArray(fastifyError.validation)) {
    const context = fastifyError.validationContext ?? 'body';
    const errors = fieldErrorsOf(fastifyError.validation as ErrorObject[], context);
    const first = errors[0];
    const detail = first ? `${first.field} ${first.message}` : 'The request is invalid';
    return { kind: problemKinds.validation, detail, errors };
  }

  const known = fastifyClientErrors[fastifyError.code ?? ''];
  if (known !== undefined) return known;

  // Other Fastify client errors, such as a malformed URL.
  const statusCode = fastifyError.statusCode ?? 500;
  if (fastifyError.code?.startsWith('FST_') === true && statusCode >= 400 && statusCode < 500) {
    return { kind: problemKinds.badRequest, detail: 'The request is malformed' };
  }
  // Fastify's body reader fails this way when the client closes the connection mid-body.
  if (fastifyError.code === 'ECONNRESET' && statusCode === 400) {
    return {
      kind: problemKinds.badRequest,
      detail: 'The connection closed before the request body was complete',
    };
  }

  return { kind: problemKinds.internal, detail: GENERIC_DETAIL };
}

function classifyGatekeeperError(error: GatekeeperCallError): ClassifiedError {
  const kind = problemKindOfGrpcStatus(error.status);

  // Client-error messages from the gatekeeper are written for the caller, so they pass through.
  // Server-error messages may carry details meant for its own logs, so they are replaced.
  if (kind.status < 500) {
    const detail = error.details || kind.title;
    if (error.status === GrpcStatus.UNAUTHENTICATED) {
      const challenge =
        'Bearer error="invalid_token", error_description="The access token is invalid"';
      return { kind, detail, headers: { 'www-authenticate': challenge } };
    }
    return { kind, detail };
  }

  switch (error.status) {
    case GrpcStatus.UNAVAILABLE:
      return { kind, detail: 'The gatekeeper is unavailable; retry later' };
    case GrpcStatus.DEADLINE_EXCEEDED:
      return { kind, detail: 'The gatekeeper call timed out; retry later' };
    case GrpcStatus.UNIMPLEMENTED:
      return { kind, detail: 'This operation is not implemented by the gatekeeper' };
    default:
      return { kind, detail: GENERIC_DETAIL };
  }
}

/** Sends a classified error as `application/problem+json`. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  classified: ClassifiedError,
): FastifyReply {
  const problem = buildProblem(classified.kind, classified.detail, {
    requestId: request.id,
    instance: request.url.split('?')[0],
    ...(classified.errors ? { errors: classified.errors } : {}),
  });

  for (const [name, value] of Object.entries(classified.headers ?? {})) reply.header(name, value);
  return reply.code(problem.status).type(PROBLEM_MEDIA_TYPE).send(problem);
}

/**
 * Logs an error once and sends it as RFC 9457 problem details: `request failed` at error level for
 * a 5xx, `request rejected` at info for a client error.
 */
export function respondWithProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const classified = classifyError(error);

  if (classified.kind.status >= 500) {
    request.log.error({ err: error, status: classified.kind.status }, 'request failed');
  } else {
    request.log.info(
      {
        problem: classified.kind.slug,
        status: classified.kind.status,
        detail: classified.detail,
      },
      'request rejected',
    );
  }
  return sendProblem(request, reply, classified);
}

/**
 * Installs the central error and not-found handlers, so every error leaves as RFC 9457 problem
 * details and is logged once, here.
 */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => respondWithProblem(error, request, reply));

  app.setNotFoundHandler((request, reply) => {
    const detail = `No route matches ${request.method} ${request.url.split('?')[0] ?? ''}`;
    return sendProblem(request, reply, { kind: problemKinds.notFound, detail });
  });
}
