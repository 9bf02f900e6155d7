import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

import { redactedPaths, redactionCensor } from './redaction.js';
import { sharedStdoutDestination } from './stdout-destination.js';
import { traceFieldsMixin } from './trace-fields.js';

/** `json`: one JSON object per line. `pretty`: pino-pretty, for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Value of the `service` field on every line. */
  readonly service: string;
  /** pino level name. Default `info`. */
  readonly level?: string;
  /** Default: `pretty` when stdout is a terminal outside production, else `json`. */
  readonly format?: LogFormat;
  /**
   * Stream that receives the lines instead of stdout, always as JSON. Without it, JSON lines
   * go to the process's shared, buffered stdout destination (see {@link sharedStdoutDestination}).
   */
  readonly destination?: DestinationStream;
  /** Paths redacted in addition to {@link redactedPaths}. */
  readonly redact?: readonly string[];
}

/**
 * Creates a service's root logger. Every line is JSON with `service`,
 * `level` (its name), `time` (epoch milliseconds) and `msg`; inside a trace
 * it also carries `trace_id` and `span_id`. Credentials under the
 * {@link redactedPaths} are replaced with `[redacted]`.
 *
 * @example
 * const logger = createLogger({ service: 'gatekeeper', level: config.LOG_LEVEL });
 * logger.child({ request_id: requestId }).info({ user_id: userId }, 'user created');
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFieldsMixin,
    redact: { paths: [...redactedPaths, ...(options.redact ?? [])], censor: redactionCensor },
  };
  if (options.destination !== undefined) return pino(settings, options.destination);

  const format = options.format ?? defaultLogFormat();
  if (format === 'json') return pino(settings, sharedStdoutDestination());
  return pino({
    ...settings,
    transport: {
      target: 'pino-pretty',
      options: {
        colorize: true,
        // One line per record, because `palisade dev` prefixes each line with the service name.
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      },
    },
  });
}

/** `pretty` when a person reads stdout in a terminal outside production, else `json`. */
export function defaultLogFormat(
  stdout: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): LogFormat {
  return stdout.isTTY === true && env['NODE_ENV'] !== 'production' ? 'pretty' : 'json';
}
