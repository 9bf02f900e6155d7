import { createLogger as createServiceLogger, type LogFormat } from '@palisade/telemetry';
import type { DestinationStream, Logger } from 'pino';

/** Log paths of the web tier that may contain credentials, on top of the shared ones. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'res.headers["set-cookie"]',
];

/**
 * Creates the web tier's logger: JSON lines with `service: 'web'`, trace ids
 * inside a request, credentials redacted. `destination` defaults to stdout.
 */
export function createLogger(
  options: { level?: string; format?: LogFormat; destination?: DestinationStream } = {},
): Logger {
  return createServiceLogger({
    service: 'web',
    redact: redactedPaths,
    ...(options.level === undefined ? {} : { level: options.level }),
    ...(options.format === undefined ? {} : { format: options.format }),
    ...(options.destination === undefined ? {} : { destination: options.destination }),
  });
}
