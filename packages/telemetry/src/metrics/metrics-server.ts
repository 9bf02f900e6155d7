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
}

/** The admin listener serving GET /metrics and GET /healthz. */
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
 * `GET /metrics` of a listener of its own, and `GET /healthz` (200 `ok`) for
 * probes. Public ports never carry it, because metrics reveal routes, error
 * rates and load to anyone who reads them.
 *
 * @throws MetricsPortError when the port cannot be bound.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, logger } = options;
  const server = createServer((request, response) => {
    serveScrape(options.registries, request, response).catch((error: unknown) => {
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

async function serveScrape(
  registries: readonly Registry[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (path !== '/metrics' && path !== '/healthz') {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found: use GET /metrics or GET /healthz\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
    response.end(`method not allowed: use GET ${path}\n`);
    return;
  }
  // Services without another HTTP server point their liveness and readiness probes here, so the
  // response collects no metrics and only shows that the process still serves requests.
  if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(request.method === 'HEAD' ? undefined : 'ok\n');
    return;
  }

  const bodies = await Promise.all(registries.map((registry) => registry.metrics()));
  response.writeHead(200, { 'content-type': Registry.PROMETHEUS_CONTENT_TYPE });
  response.end(request.method === 'HEAD' ? undefined : bodies.join('\n'));
}

async function rejectOnError(server: ReturnType<typeof createServer>): Promise<never> {
  const [error] = (await once(server, 'error')) as [Error];
  throw error;
}
