import { context, propagation, ROOT_CONTEXT, type Context } from '@opentelemetry/api';

/**
 * Returns the context of a message's `traceparent`, or the active context when it has none.
 * Spans of the message's publishing and handling then join the trace of the request that
 * started the saga.
 */
export function messageContext(traceparent: string | undefined): Context {
  if (traceparent === undefined) return context.active();
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}
