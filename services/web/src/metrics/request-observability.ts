import { createHttpServerMetrics, setActiveRoute } from '@palisade/telemetry';
import type { FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';

import type { TypedApp } from '../routes/route-context.js';

/** Route label of requests that matched no route, so unknown paths share one series. */
export const unmatchedRoute = 'unmatched';

/**
 * Names each request's trace span after its route and, with a registry,
 * records `palisade_web_http_requests_total` and
 * `palisade_web_http_request_duration_seconds` per method, route pattern and
 * status code.
 */
export function registerRequestObservability(app: TypedApp, registry?: Registry): void {
  app.addHook('onRequest', (request, _reply, done) => {
    setActiveRoute(request.method, routeOf(request));
    done();
  });
  if (registry === undefined) return;

  const metrics = createHttpServerMetrics(registry, 'palisade_web');
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request.method, routeOf(request), reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}

function routeOf(request: FastifyRequest): string {
  // Fastify leaves the pattern empty for requests that reach the not-found handler.
  const pattern: string | undefined = request.routeOptions.url;
  return pattern === undefined || pattern === '' ? unmatchedRoute : pattern;
}

/**
 * Creates `palisade_web_rate_limited_total`, the requests turned away with 429 per rate-limit
 * policy, and returns the listener that counts one.
 */
export function createRateLimitCounter(registry: Registry): (policy: string) => void {
  const rejected = new Counter<'policy'>({
    name: 'palisade_web_rate_limited_total',
    help: 'Requests turned away by a rate limit, per policy.',
    labelNames: ['policy'],
    registers: [registry],
  });
  return (policy) => rejected.inc({ policy });
}
