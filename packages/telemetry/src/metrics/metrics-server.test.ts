import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

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

  it('serves no /readyz without a check', async () => {
    const response = await fetch(`${url}/readyz`);

    expect(response.status).toBe(404);
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

describe('GET /readyz', () => {
  let failing: readonly string[] | Error | 'hang' = [];
  let checks = 0;
  let server: MetricsServer;
  let url: string;

  beforeAll(async () => {
    server = await startMetricsServer({
      registries: [],
      host: '127.0.0.1',
      port: 0,
      logger,
      readinessTimeoutMs: 200,
      readiness: () => {
        checks += 1;
        if (failing === 'hang') return new Promise(() => undefined);
        if (failing instanceof Error) return Promise.reject(failing);
        return Promise.resolve(failing);
      },
    });
    url = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('returns 200 when every dependency is ready', async () => {
    failing = [];
    const response = await fetch(`${url}/readyz`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ready\n');
  });

  it('returns 503 naming the unready dependencies', async () => {
    failing = ['database', 'redis'];
    const response = await fetch(`${url}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.text()).toBe('not ready: database, redis\n');
  });

  it('returns 503 when the check fails', async () => {
    failing = new Error('pool closed');
    const response = await fetch(`${url}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.text()).toBe('not ready: readiness check (failed)\n');
  });

  it('returns 503 when the check times out', async () => {
    failing = 'hang';
    const response = await fetch(`${url}/readyz`);

    expect(response.status).toBe(503);
    expect(await response.text()).toBe('not ready: readiness check (timed out after 200 ms)\n');
  });

  it('shares a check that still runs with later probes', async () => {
    failing = 'hang';
    await sleep(250);
    const before = checks;
    await Promise.all([fetch(`${url}/readyz`), fetch(`${url}/readyz`)]);

    expect(checks - before).toBe(1);
  });

  it('starts a new check after a hung one timed out', async () => {
    failing = 'hang';
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    failing = [];
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('lists /readyz among the paths it serves', async () => {
    const response = await fetch(`${url}/ready`);

    expect(response.status).toBe(404);
    expect(await response.text()).toBe(
      'not found: use GET /metrics, GET /healthz or GET /readyz\n',
    );
  });
});
