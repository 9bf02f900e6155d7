import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import type { Logger } from 'pino';
import { Registry } from 'prom-client';

/** Options of {@link startMetricsServer}. */
export interface MetricsServerOptions {
  /** Registries whose metrics one scrape returns, in this order. */
  readonly registries: readonly Registry[];
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly logger: Logger;
  /**
   * Check behind `GET /readyz`: resolves with the names of the dependencies that are not
   * ready, none when the service is. Without it, the listener serves no `/readyz`.
   */
  readonly readiness?: () => Promise<readonly string[]>;
  /** Time after which a readiness check counts as failed, in milliseconds. Default 2000. */
  readonly readinessTimeoutMs?: number;
}

/** The admin listener serving GET /metrics, GET /healthz and, with a check, GET /readyz. */
export interface MetricsServer {
  readonly port: number;
  /** Stops accepting scrapes and resolves once open connections have ended. */
  close(): Promise<void>;
}

/** Thrown when the admin port cannot be bound; the message names the port and the fix. */
export class MetricsPortError extends Error {
  readonly code = 'METRICS_PORT_UNAVAILABLE';

  constructor(host: string, port: number, options: ErrorOptions) {
    super(
      `cannot serve metrics on ${host}:${port}: the port is taken or not allowed; set ` +
        'METRICS_PORT to a free port',
      options,
    );
    this.name = 'MetricsPortError';
  }
}

/**
 * Serves the registries' metrics in the Prometheus text format on
 * `GET /metrics` of a listener of its own, `GET /healthz` (200 `ok`) for
 * liveness probes and, when `readiness` is given, `GET /readyz` for readiness
 * probes. Public ports never carry it, because metrics reveal routes, error
 * rates and load to anyone who reads them.
 *
 * @throws MetricsPortError when the port cannot be bound.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, logger } = options;
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;
  const admin = {
    ...options,
    readinessTimeoutMs,
    readiness: shareRecentRun(options.readiness, readinessTimeoutMs),
  };
  const server = createServer((request, response) => {
    serveAdmin(admin, request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'metrics scrape failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('metrics collection failed\n');
    });
  });

  server.listen(options.port, host);
  try {
    await Promise.race([once(server, 'listening'), rejectOnError(server)]);
  } catch (error) {
    throw new MetricsPortError(host, options.port, { cause: error });
  }

  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  logger.info({ host, port }, 'metrics listening');
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function serveAdmin(
  options: MetricsServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0] ?? '/';
  const paths = options.readiness === undefined ? liveOnlyPaths : allPaths;
  if (!paths.includes(path)) {
    response.writeHead(404, { 'content-type': 'text/plain' });
    const choices = paths.map((known) => `GET ${known}`);
    response.end(`not found: use ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}\n`);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    response.end(`method not allowed: use GET ${path}\n`);
    return;
  }
  // A liveness probe only learns that the process still serves requests, so the response
  // collects no metrics and checks no dependency.
  if (path === '/healthz') {
    sendText(request, response, 200, 'ok\n');
    return;
  }
  if (path === '/readyz' && options.readiness !== undefined) {
    const failing = await checkReadiness(
      options.readiness,
      options.readinessTimeoutMs ?? 2000,
      options.logger,
    );
    if (failing.length === 0) sendText(request, response, 200, 'ready\n');
    else sendText(request, response, 503, `not ready: ${failing.join(', ')}\n`);
    return;
  }

  const bodies = await Promise.all(options.registries.map((registry) => registry.metrics()));
  response.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE });
  response.end(request.method === 'HEAD' ? undefined : bodies.join('\n'));
}

const liveOnlyPaths = ['/metrics', '/healthz'];
const allPaths = ['/metrics', '/healthz', '/readyz'];

function sendText(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  text: string,
): void {
  response.writeHead(status, { 'content-type': 'text/plain' });
  response.end(request.method === 'HEAD' ? undefined : text);
}

/**
 * Returns a check that shares a run of `check` that started less than `timeoutMs` ago and is
 * still pending. Probes of a dependency that hangs then add one run per `timeoutMs`, not one
 * each, and a run that never ends does not keep the service unready after the dependency is back.
 */
function shareRecentRun(
  check: (() => Promise<readonly string[]>) | undefined,
  timeoutMs: number,
): (() => Promise<readonly string[]>) | undefined {
  if (check === undefined) return undefined;
  let recent: { run: Promise<readonly string[]>; startedAt: number } | undefined;
  return () => {
    if (recent === undefined || performance.now() - recent.startedAt > timeoutMs) {
      const run = check().finally(() => {
        if (recent?.run === run) recent = undefined;
      });
      recent = { run, startedAt: performance.now() };
    }
    return recent.run;
  };
}

/** Runs the readiness check; a check that fails or runs past `timeoutMs` names itself. */
async function checkReadiness(
  readiness: () => Promise<readonly string[]>,
  timeoutMs: number,
  logger: Logger,
): Promise<readonly string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<readonly string[]>((resolve) => {
    timer = setTimeout(
      () => resolve([`readiness check (timed out after ${timeoutMs} ms)`]),
      timeoutMs,
    );
  });
  try {
    const failing = await Promise.race([readiness(), timedOut]);
    if (failing.length > 0) logger.warn({ failing }, 'readiness check failed');
    return failing;
  } catch (error) {
    logger.warn({ err: error }, 'readiness check failed');
    return ['readiness check (failed)'];
  } finally {
    clearTimeout(timer);
  }
}

async function rejectOnError(server: ReturnType<typeof createServer>): Promise<never> {
  const [error] = (await once(server, 'error')) as [Error];
  throw error;
}
