import { context, propagation } from '@opentelemetry/api';

/** Returns the W3C `traceparent` of the active span; undefined when tracing is off. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'];
}
