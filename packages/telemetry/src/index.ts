export { telemetrySettings } from './config/telemetry-settings.js';
export {
  createLogger,
  defaultLogFormat,
  type CreateLoggerOptions,
  type LogFormat,
} from './logging/create-logger.js';
export { redactedPaths, redactionCensor } from './logging/redaction.js';
export {
  bindTraceFields,
  traceFields,
  traceFieldsMixin,
  type TraceFields,
} from './logging/trace-fields.js';
export { routeConsoleToLogger } from './logging/console-capture.js';
export { REQUEST_ID_HEADER, requestIdOf } from './logging/request-id.js';
export { internalCallBuckets, requestBuckets } from './metrics/buckets.js';
export { createHttpServerMetrics, type HttpServerMetrics } from './metrics/http-server-metrics.js';
export { createMetricsRegistry } from './metrics/metrics-registry.js';
export { liveHeapMetric, registerLiveHeapGauge } from './metrics/live-heap.js';
export {
  MetricsPortError,
  startMetricsServer,
  type MetricsServer,
  type MetricsServerOptions,
} from './metrics/metrics-server.js';
export { FileSpanExporter, type SpanRecord } from './tracing/file-span-exporter.js';
export { setActiveRoute } from './tracing/route-span.js';
export {
  shutdownTelemetry,
  startTelemetry,
  type Telemetry,
  type TelemetryOptions,
} from './tracing/start-telemetry.js';
export { readTracingSettings, type TracingSettings } from './tracing/tracing-settings.js';
