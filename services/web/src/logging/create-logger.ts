import { pino, type DestinationStream, type Logger } from 'pino';

/** Log paths that may contain credentials. Pino replaces their values before writing. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * Creates the web tier's logger: JSON lines with `service: 'web'`, credentials redacted.
 * `destination` defaults to stdout.
 */
export function createLogger(
  options: { level?: string; destination?: DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'web' },
      redact: { paths: redactedPaths, censor: '[redacted]' },
    },
    options.destination,
  );
}
