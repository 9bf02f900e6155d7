import type { FastifyRequest } from 'fastify';

import { ProblemError, problemKinds } from '../problem/problem.js';

/** Request header of draft-ietf-httpapi-idempotency-key-header. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** 1 to 255 visible ASCII characters, the same rule as the gatekeeper's. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

declare module 'fastify' {
  interface FastifyRequest {
    /** Idempotency key of an unsafe request, sent on to the gatekeeper. */
    idempotencyKey?: string;
  }
}

/**
 * Reads the Idempotency-Key header of an unsafe request into `request.idempotencyKey`. The
 * draft defines the value as a structured-field string, so surrounding quotes are removed;
 * unquoted keys are accepted too.
 *
 * @throws {ProblemError} 400 when the header is repeated or malformed.
 */
export function readIdempotencyKey(request: FastifyRequest): Promise<void> {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (header === undefined || !UNSAFE_METHODS.has(request.method)) return Promise.resolve();

  const key = typeof header === 'string' ? unquote(header.trim()) : undefined;
  if (key === undefined || !KEY_PATTERN.test(key)) {
    const detail = 'Idempotency-Key must be one value of 1 to 255 visible ASCII characters';
    return Promise.reject(
      new ProblemError(problemKinds.validation, detail, {
        errors: [{ field: 'Idempotency-Key', message: detail }],
      }),
    );
  }
  request.idempotencyKey = key;
  return Promise.resolve();
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value;
}
