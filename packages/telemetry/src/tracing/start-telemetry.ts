import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import { FileSpanExporter } from './file-span-exporter.js';
import { createInstrumentations } from './instrumentations.js';
import { readTracingSettings, type TracingSettings } from './tracing-settings.js';
import { UntracedPathSampler } from './untraced-path-sampler.js';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** service.name of the spans, unless OTEL_SERVICE_NAME sets it. */
  readonly serviceName: string;
  /** Variables to read instead of `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The running tracing pipeline of this process. */
export interface Telemetry {
  readonly serviceName: string;
  readonly settings: TracingSettings;
  /** Exports the spans still buffered and stops the pipeline. */
  shutdown(): Promise<void>;
}

let running: Telemetry | undefined;

/**
 * Starts tracing for this process: the tracer provider, W3C trace context
 * propagation and the instrumentations. Spans go to an OTLP collector only
 * when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, and to
 * PALISADE_TRACES_FILE when that is set. Without either, no span is recorded
 * (the sampler returns NOT_RECORD) and only the http, gRPC and Kafka
 * instrumentations load. Requests still get trace ids for their log lines,
 * and W3C trace context still reaches the services they call. The sampled
 * flag in that context is cleared, so a downstream ParentBased sampler
 * records nothing of these traces either. Calling it again returns the pipeline already
 * running.
 *
 * Instrumentations patch modules as they load, so this must run before the
 * service imports them: `node --import @palisade/telemetry/register main.js`.
 *
 * It builds on @opentelemetry/sdk-trace-node rather than @opentelemetry/sdk-node.
 * sdk-node also starts metrics and logs pipelines, which Palisade does not use
 * because its metrics come from prom-client. It also follows the OpenTelemetry
 * environment defaults, which export to an OTLP endpoint on localhost:4318
 * when none is set. Here nothing is exported unless an endpoint is set.
 *
 * @throws ConfigError when a tracing variable is invalid.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (running !== undefined) return running;

  const settings = readTracingSettings(options.env);
  const serviceName = settings.serviceName ?? options.serviceName;
  if (!settings.enabled) {
    running = { serviceName, settings, shutdown: () => Promise.resolve() };
    return running;
  }

  const spanProcessors = spanProcessorsFor(settings, serviceName);
  const exporting = spanProcessors.length > 0;
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName })),
    spanProcessors,
    // Recording spans that nothing exports cost CPU on every request for no output.
    sampler: exporting
      ? new ParentBasedSampler({ root: new UntracedPathSampler() })
      : new AlwaysOffSampler(),
  });
  // Trace context only: baggage from public clients would otherwise travel
  // unchecked into every internal call.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: createInstrumentations(process.argv[1], { propagationOnly: !exporting }),
  });

  running = {
    serviceName,
    settings,
    async shutdown() {
      await provider.shutdown();
      propagation.disable();
    },
  };
  return running;
}

/** Flushes and stops the pipeline that {@link startTelemetry} started; a no-op without one. */
export async function shutdownTelemetry(): Promise<void> {
  await running?.shutdown();
}

function spanProcessorsFor(settings: TracingSettings, serviceName: string): SpanProcessor[] {
  const processors: SpanProcessor[] = [];
  if (settings.otlp) processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  if (settings.tracesFile !== undefined) {
    processors.push(
      new SimpleSpanProcessor(new FileSpanExporter(settings.tracesFile, serviceName)),
    );
  }
  return processors;
}
