import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

import { planRedaction, redactedPaths, redactionCensor, redactProperties } from './redaction.js';
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
  const { fieldPropertyNames, pinoPaths } = planRedaction([
    ...redactedPaths,
    ...(options.redact ?? []),
  ]);
  const redactFields = (fields: Record<string, unknown>) =>
    redactProperties(fields, fieldPropertyNames);
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    // pino runs the log formatter before the serializers, so it sees each value as logged.
    formatters: { level: (label) => ({ level: label }), log: redactFields },
    mixin: traceFieldsMixin,
    redact: { paths: [...pinoPaths], censor: redactionCensor },
  };
  if (options.destination !== undefined) {
    return redactingChildBindings(pino(settings, options.destination), redactFields);
  }

  const format = options.format ?? defaultLogFormat();
  if (format === 'json') {
    return redactingChildBindings(pino(settings, sharedStdoutDestination()), redactFields);
  }
  const prettyLogger = pino({
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
  return redactingChildBindings(prettyLogger, redactFields);
}

/**
 * Makes every child of `logger`, and their children, pass its bindings through `redact`. pino
 * gives a child the root's log formatter but not its bindings formatter, so the root's `child`
 * is replaced, and children, whose prototype is their parent, inherit the replacement.
 */
function redactingChildBindings(
  logger: Logger,
  redact: (fields: Record<string, unknown>) => Record<string, unknown>,
): Logger {
  const makeChild = Object.getPrototypeOf(logger) as { child: Logger['child'] };
  logger.child = function (this: Logger, bindings, childOptions) {
    return makeChild.child.call(this, redact(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/** `pretty` when a person reads stdout in a terminal outside production, else `json`. */
export function defaultLogFormat(
  stdout: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): LogFormat {
  return stdout.isTTY === true && env['NODE_ENV'] !== 'production' ? 'pretty' : 'json';
}
