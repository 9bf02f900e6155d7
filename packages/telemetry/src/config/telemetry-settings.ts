import { Type } from 'typebox';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Configuration properties of logging and metrics that every service adds to
 * its own schema, so one ConfigError lists every problem. `metricsPort` is the
 * service's default admin port.
 *
 * @example
 * const schema = Type.Object({ WEB_PORT: ..., ...telemetrySettings({ metricsPort: 9465 }) });
 */
export function telemetrySettings(defaults: { metricsPort: number }) {
  return {
    LOG_LEVEL: Type.Union(
      logLevels.map((level) => Type.Literal(level)),
      { default: 'info', description: 'pino log level.' },
    ),
    LOG_FORMAT: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('pretty')], {
        description:
          'json: one JSON object per line. pretty: readable lines for a terminal. Default: ' +
          'pretty when stdout is a terminal and NODE_ENV is not production, else json.',
      }),
    ),
    METRICS_HOST: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address of the admin listener that serves GET /metrics.',
    }),
    METRICS_PORT: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: defaults.metricsPort,
      description:
        'Port of the admin listener that serves GET /metrics, never the public port; 0 picks a ' +
        'free one.',
    }),
  };
}
