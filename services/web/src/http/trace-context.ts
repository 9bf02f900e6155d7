import type { IncomingHttpHeaders } from 'node:http';

/** W3C Trace Context (https://www.w3.org/TR/trace-context/) headers worth sending on. */
export interface TraceContext {
  readonly traceparent?: string;
  readonly tracestate?: string;
}

// Layout of version "00". Later versions keep these four fields and may append more.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-.*)?$/;
const INVALID_VERSION = 'ff';
// 512 characters is the limit the specification recommends for propagating tracestate.
const MAX_TRACESTATE_LENGTH = 512;
const TRACESTATE = /^[\x20-\x7e]*$/;

/**
 * Returns the trace context headers of a request, dropping any that are malformed. `tracestate`
 * is kept only with a valid `traceparent`, as the specification requires.
 */
export function traceContextOf(headers: IncomingHttpHeaders): TraceContext {
  const traceparent = headers.traceparent;
  if (typeof traceparent !== 'string' || !isValidTraceparent(traceparent)) return {};

  const tracestate = headers.tracestate;
  const validState =
    typeof tracestate === 'string' &&
    tracestate.length <= MAX_TRACESTATE_LENGTH &&
    TRACESTATE.test(tracestate);
  return validState ? { traceparent, tracestate } : { traceparent };
}

function isValidTraceparent(value: string): boolean {
  if (value.length > 512 || !TRACEPARENT.test(value)) return false;
  if (value.startsWith(INVALID_VERSION)) return false;

  const [, traceId, parentId] = value.split('-');
  return !/^0+$/.test(traceId ?? '') && !/^0+$/.test(parentId ?? '');
}
