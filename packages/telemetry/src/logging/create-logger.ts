import {
  pino,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
  type LoggerOptions,
} from 'pino';

import { planRedaction, PropertyRedaction, redactedPaths, redactionCensor } from './redaction.js';
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
  const redaction = new PropertyRedaction(fieldPropertyNames);
  const settings: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    // pino runs the log formatter before the serializers, which redact their own output.
    formatters: { level: (label) => ({ level: label }), log: (fields) => redaction.fields(fields) },
    serializers: { err: redaction.serializer(pino.stdSerializers.err) },
    hooks: {
      logMethod(args, method) {
        return method.apply(this, redactArguments(args, redaction));
      },
    },
    mixin: traceFieldsMixin,
    redact: { paths: [...pinoPaths], censor: redactionCensor },
  };
  if (options.destination !== undefined) {
    return redactingBindings(pino(settings, options.destination), redaction);
  }

  const format = options.format ?? defaultLogFormat();
  if (format === 'json') {
    return redactingBindings(pino(settings, sharedStdoutDestination()), redaction);
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
  return redactingBindings(prettyLogger, redaction);
}

/**
 * Redacts the arguments of a log call after the first: the message when it is an object, and
 * the values interpolated into a message. The first, the line's fields, goes through the log
 * formatter. Returns `args` itself when nothing needs redacting.
 */
function redactArguments<A extends unknown[]>(args: A, redaction: PropertyRedaction): A {
  // pino takes a first argument that is an object, null or undefined as the fields, and then
  // the second as the message.
  const fieldsFirst = args[0] === undefined || typeof args[0] === 'object';
  let redacted: A | undefined;
  for (let index = 1; index < args.length; index += 1) {
    const argument = args[index];
    // A message object on its own is written as a field. With values after it, pino formats it
    // with the redaction of interpolated values, which reaches one level further.
    const asField = fieldsFirst && index === 1 && args.length === 2;
    const censored = asField ? redaction.value(argument) : redaction.argument(argument);
    if (censored === argument) continue;
    redacted ??= [...args] as A;
    redacted[index] = censored;
  }
  return redacted ?? args;
}

/**
 * Makes every child of `logger`, and their children, redact their bindings, the output of their
 * own serializers and the output of their own log and bindings formatters. pino gives a child the root's log
 * formatter but not its bindings formatter, and a child's options can replace both, so the
 * root's `child` and `setBindings` are replaced, and children, whose prototype is their parent,
 * inherit the replacements.
 */
function redactingBindings(logger: Logger, redaction: PropertyRedaction): Logger {
  const pinoMethods = Object.getPrototypeOf(logger) as Pick<Logger, 'child' | 'setBindings'>;
  logger.child = function (this: Logger, bindings, childOptions) {
    return pinoMethods.child.call(
      this,
      redaction.fields(bindings),
      childOptions === undefined ? undefined : redactingOptions(childOptions, redaction),
    );
  } as Logger['child'];
  logger.setBindings = function (this: Logger, bindings) {
    pinoMethods.setBindings.call(this, redaction.fields(bindings));
  };
  return logger;
}

function redactingOptions<O extends ChildLoggerOptions>(
  options: O,
  redaction: PropertyRedaction,
): O {
  const { serializers, formatters } = options;
  const log = formatters?.log;
  const bindings = formatters?.bindings;
  return {
    ...options,
    ...(serializers === undefined
      ? {}
      : { serializers: redactingSerializers(serializers, redaction) }),
    ...(formatters === undefined
      ? {}
      : {
          formatters: {
            ...formatters,
            ...(log === undefined
              ? {}
              : {
                  log: (fields: Record<string, unknown>) =>
                    redaction.fields(log(fields) as Record<string, unknown>),
                }),
            ...(bindings === undefined
              ? {}
              : {
                  bindings: (fields: Record<string, unknown>) =>
                    redaction.fields(bindings(fields) as Record<string, unknown>),
                }),
          },
        }),
  };
}

type Serializers = NonNullable<ChildLoggerOptions['serializers']>;

function redactingSerializers(serializers: Serializers, redaction: PropertyRedaction): Serializers {
  const redacting: Record<string | symbol, (value: unknown) => unknown> = {};
  for (const key of Reflect.ownKeys(serializers)) {
    const serialize = (serializers as Record<string | symbol, unknown>)[key];
    if (typeof serialize === 'function') {
      redacting[key] = redaction.serializer(serialize as (value: unknown) => unknown);
    }
  }
  return redacting;
}

/** `pretty` when a person reads stdout in a terminal outside production, else `json`. */
export function defaultLogFormat(
  stdout: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): LogFormat {
  return stdout.isTTY === true && env['NODE_ENV'] !== 'production' ? 'pretty' : 'json';
}
