import { loadConfig } from '@palisade/config';
import { Type } from 'typebox';

/**
 * Environment variables of tracing. The OTEL_* names and meanings are the
 * OpenTelemetry SDK's; the exporter itself also reads the other
 * OTEL_EXPORTER_OTLP_* variables (headers, timeout, certificates).
 */
export const tracingSettingsSchema = Type.Object({
  OTEL_SDK_DISABLED: Type.Boolean({
    default: false,
    description: 'true turns tracing off: no spans, no trace context sent on.',
  }),
  OTEL_SERVICE_NAME: Type.Optional(
    Type.String({ minLength: 1, description: 'service.name of every span of this process.' }),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(
    Type.String({
      format: 'uri',
      description: 'Base URL of an OTLP/HTTP collector; spans are exported only when it is set.',
    }),
  ),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(
    Type.String({
      format: 'uri',
      description: 'Full OTLP/HTTP URL for spans; overrides OTEL_EXPORTER_OTLP_ENDPOINT.',
    }),
  ),
  OTEL_TRACES_EXPORTER: Type.Union([Type.Literal('otlp'), Type.Literal('none')], {
    default: 'otlp',
    description: 'none keeps spans in the process even when an OTLP endpoint is set.',
  }),
  PALISADE_TRACES_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'File that receives every finished span as one JSON line, for tests.',
    }),
  ),
});

/** Tracing settings as {@link readTracingSettings} reads them from the environment. */
export interface TracingSettings {
  readonly enabled: boolean;
  readonly serviceName: string | undefined;
  /** True when spans go to an OTLP collector. */
  readonly otlp: boolean;
  readonly tracesFile: string | undefined;
}

/**
 * Reads the tracing variables.
 *
 * @throws ConfigError listing every invalid variable.
 */
export function readTracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  const config = loadConfig('telemetry', tracingSettingsSchema, env);
  const endpoint = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    enabled: !config.OTEL_SDK_DISABLED,
    serviceName: config.OTEL_SERVICE_NAME,
    otlp: endpoint !== undefined && config.OTEL_TRACES_EXPORTER === 'otlp',
    tracesFile: config.PALISADE_TRACES_FILE,
  };
}
