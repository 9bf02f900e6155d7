import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** Header that carries the request id in both directions and from tier to tier. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Returns the caller's `x-request-id` when it is 1 to 128 characters of `[A-Za-z0-9._-]`, else a
 * new UUID. An id outside that set is replaced rather than rejected, because it only correlates
 * logs, and an unchecked value could forge log lines or metadata.
 */
export function requestIdOf(request: Pick<IncomingMessage, 'headers'>): string {
  const incoming = request.headers[REQUEST_ID_HEADER];
  if (typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}
