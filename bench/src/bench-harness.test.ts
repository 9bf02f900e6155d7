import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { bucketQuantileMs, parseBuckets, subtractBuckets } from './histogram-metrics.js';
import { runClosedLoop, runFixedRate } from './load-generator.js';
import { sampleProcess } from './process-stats.js';

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
