import { Counter, Histogram, type Registry } from 'prom-client';

import { requestBuckets } from './buckets.js';

type HttpLabel = 'method' | 'route' | 'status_code';

/** Request rate, errors and duration of an HTTP server, per route. */
export interface HttpServerMetrics {
  /**
   * Records one finished request. `route` must come from a fixed set (a
   * route pattern such as `/api/admin/users/:id/data`, never the raw path) so
   * that clients cannot create new series.
   */
  observe(method: string, route: string, statusCode: number, durationSeconds: number): void;
}

/**
 * Registers `<prefix>_http_requests_total` and
 * `<prefix>_http_request_duration_seconds`, both labelled by `method`,
 * `route` and `status_code`. The error rate is the share of `status_code`
 * 5xx.
 */
export function createHttpServerMetrics(registry: Registry, prefix: string): HttpServerMetrics {
  const labelNames: HttpLabel[] = ['method', 'route', 'status_code'];
  const requests = new Counter<HttpLabel>({
    name: `${prefix}_http_requests_total`,
    help: 'HTTP requests served, by method, route pattern and status code.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram<HttpLabel>({
    name: `${prefix}_http_request_duration_seconds`,
    help: 'Time from receiving an HTTP request to finishing its response, in seconds.',
    labelNames,
    buckets: requestBuckets,
    registers: [registry],
  });

  return {
    observe(method, route, statusCode, durationSeconds) {
      const labels = { method, route, status_code: String(statusCode) };
      requests.inc(labels);
      duration.observe(labels, durationSeconds);
    },
  };
}
