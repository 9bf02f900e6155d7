/**
 * Preload module that starts tracing before a service imports anything:
 *
 *     node --import @palisade/telemetry/register services/web/dist/main.js
 *
 * It registers the import-in-the-middle loader hook first. The services are
 * ES modules, and on Node 20 a CommonJS package they import (such as
 * @grpc/grpc-js) loads through Node's ESM translator, which
 * require-in-the-middle never sees: without the hook the gRPC client and
 * server are not patched, so no trace context crosses the web-to-gatekeeper
 * hop. `--experimental-loader` would work too but is deprecated; the
 * `module.register` call is the supported form since Node 20.6.
 *
 * It also sends `console.*` output through a JSON logger, because libraries
 * print while they are imported, before the service has a logger.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

import { ConfigError } from '@palisade/config';

import { routeConsoleToLogger } from './logging/console-capture.js';
import { createLogger, type LogFormat } from './logging/create-logger.js';
import { startTelemetry } from './tracing/start-telemetry.js';
import { readTracingSettings } from './tracing/tracing-settings.js';

const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const formats = new Set<string>(['json', 'pretty']);

// pino transports run in worker threads that inherit --import; tracing and
// console capture belong to the main thread only.
if (isMainThread) start(process.env);

function start(env: NodeJS.ProcessEnv): void {
  const serviceName = env['OTEL_SERVICE_NAME'] ?? 'unknown_service:node';
  const level = env['LOG_LEVEL'] ?? 'info';
  const format = env['LOG_FORMAT'] ?? '';
  routeConsoleToLogger(
    createLogger({
      service: serviceName,
      level: levels.has(level) ? level : 'info',
      ...(formats.has(format) ? { format: format as LogFormat } : {}),
    }),
  );

  try {
    if (!readTracingSettings(env).enabled) return;
    register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
    startTelemetry({ serviceName, env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
