import { context, isSpanContextValid, trace } from '@opentelemetry/api';

/** Ids of the active span, as every log line inside a request carries them. */
export interface TraceFields {
  trace_id?: string;
  span_id?: string;
}

/** Marks a logger whose bindings already hold the trace ids, so the mixin adds none. */
const traceBound = Symbol('palisade.traceBound');

/** Returns `trace_id` and `span_id` of the span active where it runs, or nothing outside a trace. */
export function traceFields(): TraceFields {
  const span = trace.getSpan(context.active());
  if (span === undefined) return {};

  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/**
 * pino mixin that adds {@link traceFields} to each line, unless the logger
 * was made by {@link bindTraceFields}.
 */
export function traceFieldsMixin(_mergeObject: object, _level: number, logger: object): object {
  return traceBound in logger ? {} : traceFields();
}

/** A logger that makes child loggers, such as pino's and Fastify's. */
interface ChildLoggerFactory<L, O> {
  child(bindings: Record<string, unknown>, options?: O): L;
}

/**
 * Returns a child logger with `bindings`, bound to the span active now. Lines it writes later
 * carry that span's ids even from callbacks that run outside the trace context, such as a
 * response's `finish` event. It makes a single child, because each child of a logger with
 * redaction runs the redaction over its bindings. Returns `logger` itself when there is nothing
 * to bind.
 */
export function bindTraceFields<L extends ChildLoggerFactory<L, O>, O = never>(
  logger: L,
  bindings: Record<string, unknown> = {},
  options?: O,
): L {
  const fields = traceFields();
  if (fields.trace_id === undefined) {
    const unchanged = options === undefined && Object.keys(bindings).length === 0;
    return unchanged ? logger : logger.child(bindings, options);
  }

  const child = logger.child({ ...bindings, ...fields }, options);
  Object.defineProperty(child, traceBound, { value: true });
  return child;
}
