import { existsSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join, relative, sep } from 'node:path';

import httpProxy from '@fastify/http-proxy';
import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import { createHttpServerMetrics, REQUEST_ID_HEADER, requestIdOf } from '@palisade/telemetry';
import type { Registry } from 'prom-client';

import { securityHeaders } from './security-headers.js';

/** Cache policy of Vite's content-hashed output: a changed file gets a new name. */
export const immutableCacheControl = 'public, max-age=31536000, immutable';
/** Cache policy of index.html and other unhashed files: revalidate on every use. */
export const revalidateCacheControl = 'no-cache';

/** Folder under the static root where Vite writes content-hashed files. */
const hashedAssetsFolder = 'assets';

export interface EdgeOptions {
  /** Built frontend: index.html plus the hashed assets/ folder. */
  readonly staticRoot: string;
  /** Origin of the web tier, such as http://127.0.0.1:3000. */
  readonly upstreamUrl: string;
  /** Sends Strict-Transport-Security; off in local development over plain HTTP. */
  readonly hsts: boolean;
  readonly logger: FastifyBaseLogger;
  /**
   * Proxies in front of the edge whose X-Forwarded-For names the client: addresses or CIDR
   * ranges. Default none, so the TCP peer is the client.
   */
  readonly trustedProxies?: readonly string[];
  /** Registry that receives the request metrics; none are recorded without it. */
  readonly metricsRegistry?: Registry;
}

/**
 * Builds the edge: serves the single-page app's files, falls back to index.html for client
 * routes, and proxies /api/* to the web tier with the client's address in X-Forwarded-For.
 */
export async function buildEdge(options: EdgeOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger,
    // The id the web tier logs too: the client's valid x-request-id, else a new UUID.
    genReqId: requestIdOf,
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    // request.ip comes from X-Forwarded-For only when the TCP peer is one of these proxies.
    trustProxy:
      options.trustedProxies !== undefined && options.trustedProxies.length > 0
        ? [...options.trustedProxies]
        : false,
  });
  const headers = Object.entries(securityHeaders({ hsts: options.hsts }));

  // Upstream responses keep their own headers, such as the API documentation's CSP.
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of headers) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
  });

  if (options.metricsRegistry !== undefined) {
    const metrics = createHttpServerMetrics(options.metricsRegistry, 'palisade_edge');
    app.addHook('onResponse', (request, reply, done) => {
      // The registered pattern (`/api/*`, `/*`, `/healthz`), never the raw path, so clients
      // cannot create series.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }

  app.get('/healthz', () => ({ status: 'ok' }));

  await app.register(httpProxy, {
    upstream: options.upstreamUrl,
    prefix: '/api',
    rewritePrefix: '/api',
    replyOptions: { rewriteRequestHeaders: forwardedHeaders },
  });

  const frontendBuilt = existsSync(join(options.staticRoot, 'index.html'));
  if (!frontendBuilt) {
    options.logger.error(
      { staticRoot: options.staticRoot },
      'frontend is not built; pages answer 503 until `npm run build` writes index.html',
    );
  } else {
    await app.register(fastifyStatic, {
      root: options.staticRoot,
      cacheControl: false,
      setHeaders(response, path) {
        const hashed = relative(options.staticRoot, path).startsWith(hashedAssetsFolder + sep);
        response.setHeader(
          'cache-control',
          hashed ? immutableCacheControl : revalidateCacheControl,
        );
      },
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    if (!isClientRoute(request)) {
      return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    }
    if (!frontendBuilt) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The frontend is not built: run `npm run build`, then reload');
    }
    return reply.header('cache-control', revalidateCacheControl).sendFile('index.html');
  });

  return app;
}

/**
 * Tells whether a request that matched no file is a page of the app: a GET or HEAD for a path
 * outside /api/ and assets/ whose last segment has no file extension. A missing script or
 * image gets 404, never index.html, which the browser would try to run as one.
 */
export function isClientRoute(request: Pick<FastifyRequest, 'method' | 'url'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = new URL(request.url, 'http://edge.invalid').pathname;
  if (path === '/api' || path.startsWith('/api/')) return false;
  if (path.startsWith(`/${hashedAssetsFolder}/`)) return false;
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  return !lastSegment.includes('.');
}

interface ProxiedRequest {
  readonly id: string;
  readonly ip: string;
  readonly protocol: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * Sets the forwarding headers of a proxied request. The edge replaces any X-Forwarded-* it
 * received with the client's address as it resolved it: the TCP peer, or the address that its
 * trusted proxies name. The web tier trusts these headers from the edge's address only, and a
 * client must not choose its own address.
 */
function forwardedHeaders(
  request: ProxiedRequest,
  headers: IncomingHttpHeaders,
): IncomingHttpHeaders {
  return {
    ...headers,
    'x-forwarded-for': request.ip,
    'x-forwarded-proto': request.protocol,
    'x-forwarded-host': request.headers.host,
    [REQUEST_ID_HEADER]: request.id,
  };
}
