import { createServer } from 'node:net';

import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHttpServerMetrics } from './http-server-metrics.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { MetricsPortError, startMetricsServer, type MetricsServer } from './metrics-server.js';

const logger = pino({ level: 'silent' });

describe('startMetricsServer', () => {
  let server: MetricsServer;
  let url: string;

  beforeAll(async () => {
    const own = createMetricsRegistry();
    createHttpServerMetrics(own, 'palisade_test').observe('GET', '/api/items/:id', 200, 0.004);
    const other = new Registry();
    new Counter({ name: 'palisade_test_other_total', help: 'x', registers: [other] }).inc();

    server = await startMetricsServer({
      registries: [own, other],
      host: '127.0.0.1',
      port: 0,
      logger,
    });
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('serves every registry on GET /metrics', async () => {
    const response = await fetch(`${url}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain(
      'palisade_test_http_requests_total{method="GET",route="/api/items/:id",status_code="200"} 1',
    );
    expect(text).toContain('palisade_test_other_total 1');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('answers 404 on other paths', async () => {
    expect((await fetch(`${url}/`)).status).toBe(404);
  });

  it('answers 405 to POST', async () => {
    const response = await fetch(`${url}/metrics`, { method: 'POST' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('reports a taken port', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    const attempt = startMetricsServer({ registries: [], host: '127.0.0.1', port, logger });

    await expect(attempt).rejects.toBeInstanceOf(MetricsPortError);
    await expect(attempt).rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}`);
    blocker.close();
  });
});
