import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  bucketQuantileMs,
  parseBuckets,
  parseGauge,
  subtractBuckets,
} from './histogram-metrics.js';
import { runClosedLoop, runFixedRate } from './load-generator.js';
import { sampleProcess } from './process-stats.js';
import { heapTrend } from './report.js';

const exposition = [
  '# TYPE hop_seconds histogram',
  'hop_seconds_bucket{method="EnsureUser",le="0.001"} 50',
  'hop_seconds_bucket{method="EnsureUser",le="0.002"} 90',
  'hop_seconds_bucket{method="EnsureUser",le="0.005"} 100',
  'hop_seconds_bucket{method="EnsureUser",le="+Inf"} 100',
  'hop_seconds_bucket{method="UpdateProfile",le="0.001"} 0',
  'hop_seconds_bucket{method="UpdateProfile",le="0.002"} 0',
  'hop_seconds_bucket{method="UpdateProfile",le="0.005"} 0',
  'hop_seconds_bucket{method="UpdateProfile",le="+Inf"} 10',
].join('\n');

describe('histogram metrics', () => {
  it('interpolates a quantile inside its bucket', () => {
    const buckets = parseBuckets(exposition, 'hop_seconds', 'method="EnsureUser"');
    expect(bucketQuantileMs(buckets, 0.5)).toBeCloseTo(1, 6);
    expect(bucketQuantileMs(buckets, 0.7)).toBeCloseTo(1.5, 6);
  });

  it('returns the largest finite bound for a quantile in +Inf', () => {
    const buckets = parseBuckets(exposition, 'hop_seconds', 'method="UpdateProfile"');
    expect(bucketQuantileMs(buckets, 0.99)).toBe(5);
  });

  it('returns NaN for an interval without observations', () => {
    const buckets = parseBuckets(exposition, 'hop_seconds', 'method="EnsureUser"');
    expect(bucketQuantileMs(subtractBuckets(buckets, buckets), 0.5)).toBeNaN();
  });
});

describe('gauge metrics', () => {
  const gauges = ['# TYPE heap_bytes gauge', 'heap_bytes 1048576', 'heap_bytes_total 5'].join('\n');

  it('reads the value of a gauge', () => {
    expect(parseGauge(gauges, 'heap_bytes')).toBe(1048576);
  });

  it('returns NaN for a gauge that is missing', () => {
    expect(parseGauge(gauges, 'heap')).toBeNaN();
  });
});

describe('heap trend of a soak', () => {
  const mib = 2 ** 20;

  it('leaves out the first minute', () => {
    const samples = [90, 90, 90, 90, 90, 90, 40, 42, 41].map((value) => value * mib);

    expect(heapTrend(samples)).toBe('40.0 → 41.0 MiB (40.0–42.0)');
  });

  it('leaves out samples before the first full collection', () => {
    const samples = [0, 0, 0, 0, 0, 0, 0, 0, 43, 44].map((value) => value * mib);

    expect(heapTrend(samples)).toBe('43.0 → 44.0 MiB (43.0–44.0)');
  });

  it('counts the samples that could not be read', () => {
    const samples = [0, 0, 0, 0, 0, 0, 43, NaN, 44].map((value) => value * mib);

    expect(heapTrend(samples)).toBe('43.0 → 44.0 MiB (43.0–44.0, 1 of 3 samples unread)');
  });

  it('says when the gauge was never read', () => {
    expect(heapTrend([0, 0, 0, 0, 0, 0, NaN, NaN])).toBe('gauge unread');
  });

  it('notes a missing full collection', () => {
    expect(heapTrend([50 * mib, 0, 0, 0, 0, 0, 0, 0])).toBe(
      'no full collection after the first minute',
    );
  });
});

describe('load generator', () => {
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      response.statusCode = request.url === '/fail' ? 503 : 200;
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts successful responses of a closed loop', async () => {
    const result = await runClosedLoop(url, { method: 'GET', path: '/', headers: {} }, 2, 200);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
  });

  it('counts non-2xx responses as errors with a sample', async () => {
    const result = await runClosedLoop(url, { method: 'GET', path: '/fail', headers: {} }, 1, 100);
    expect(result.errors).toBe(result.requests);
    expect(result.errorSamples[0]).toMatch(/^503/);
    expect(result.requestsPerSecond).toBe(0);
  });

  it('sends the scheduled number of requests at a fixed rate', async () => {
    const result = await runFixedRate(url, { method: 'GET', path: '/', headers: {} }, 4, 200, 500);
    expect(result.requests).toBe(100);
  });

  it('counts a refused connection as an error', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runFixedRate(
      `http://127.0.0.1:${port}`,
      { method: 'GET', path: '/', headers: {} },
      1,
      20,
      100,
    );
    expect(result.errors).toBe(2);
  });
});

describe('process stats', () => {
  it('reads CPU time and resident memory of this process', async () => {
    const sample = await sampleProcess(process.pid);
    expect(sample.cpuMs).toBeGreaterThan(0);
    expect(sample.rssBytes).toBeGreaterThan(0);
  });
});
