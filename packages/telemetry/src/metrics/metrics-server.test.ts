import { createServer } from 'node:net';

import { pino } from 'pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createHttpServerMetrics } from './http-server-metrics.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { MetricsPortError, startMetricsServer, type MetricsServer } from './metrics-server.js';

const logger = pino({ level: 'silent' });

describe('startMetricsServer', () => {
  let server: MetricsServer;
  let url: string;
  // Incremented by a gauge's collect callback, which prom-client runs on every scrape.
  let collections = 0;

  beforeAll(async () => {
    const own = createMetricsRegistry();
    createHttpServerMetrics(own, 'palisade_test').observe('GET', '/api/items/:id', 200, 0.004);
    const other = new Registry();
    new Counter({ name: 'palisade_test_other_total', help: 'x', registers: [other] }).inc();
    new Gauge({
      name: 'palisade_test_collections',
      help: 'x',
      registers: [other],
      collect() {
        collections += 1;
        this.set(collections);
      },
    });

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

  it('serves GET /healthz without collecting metrics', async () => {
    const before = collections;
    const response = await fetch(`${url}/healthz`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('ok\n');
    expect(collections).toBe(before);
  });

  it('returns no body to HEAD /healthz', async () => {
    const response = await fetch(`${url}/healthz`, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('collects metrics on each scrape', async () => {
    const before = collections;
    await (await fetch(`${url}/metrics`)).text();

    expect(collections).toBe(before + 1);
  });

  it('answers 404 on other paths', async () => {
    for (const path of ['/', '/health', '/healthz/live', '/metrics/x', '/api/healthz']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text(), path).toBe('not found: use GET /metrics or GET /healthz\n');
    }
  });

  it('rejects POST /healthz with 405', async () => {
    const response = await fetch(`${url}/healthz`, { method: 'POST' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.text()).toBe('method not allowed: use GET /healthz\n');
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
