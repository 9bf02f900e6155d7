import { MemoryStore } from '@palisade/store';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createRateLimiters } from '../auth/security.js';
import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

/** Creates a clock that moves only when the test moves it. */
function fakeClock() {
  let now = Date.UTC(2025, 0, 1);
  return Object.assign(() => now, { advance: (ms: number) => (now += ms) });
}

const LIMITS = {
  windowMs: 10_000,
  perUser: 3,
  perAddress: 5,
  loginWindowMs: 60_000,
  loginPerAddress: 2,
};

describe('rate limits', () => {
  let testbed: WebTestbed;
  let clock: ReturnType<typeof fakeClock>;
  let registry: Registry;

  beforeEach(async () => {
    await testbed?.close();
    clock = fakeClock();
    registry = new Registry();
    const store = new MemoryStore();
    testbed = await startWebTestbed({
      security: { store, rateLimiters: createRateLimiters(store, LIMITS, clock) },
      metricsRegistry: registry,
    });
  });
  afterAll(() => testbed?.close());

  const getMe = async (remoteAddress = '203.0.113.7', headers: Record<string, string> = {}) =>
    testbed.app.inject({
      url: '/api/me',
      remoteAddress,
      headers: { authorization: await testbed.bearer(), ...headers },
    });

  it('lets exactly the per-user limit through in one window', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await getMe()).statusCode);

    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('answers 429 with Retry-After and the RateLimit fields', async () => {
    await getMe();
    clock.advance(4000);
    await getMe();
    await getMe();
    const rejected = await getMe();

    expect(rejected.statusCode).toBe(429);
    expect(rejected.headers['retry-after']).toBe('6');
    expect(rejected.headers['ratelimit-policy']).toBe(
      '"per-address";q=5;w=10, "per-user";q=3;w=10',
    );
    expect(rejected.headers['ratelimit']).toBe('"per-address";r=1;t=6, "per-user";r=0;t=6');
    expect(rejected.json()).toMatchObject({
      status: 429,
      type: 'https://palisade.local/problems/rate-limited',
    });
  });

  it('counts each rejection under its policy', async () => {
    const rejections = async () => {
      const metric = await registry.getSingleMetric('palisade_web_rate_limited_total')?.get();
      return Object.fromEntries(
        (metric?.values ?? []).map((sample) => [String(sample.labels['policy']), sample.value]),
      );
    };
    for (let i = 0; i < 3; i += 1) await getMe();
    expect(await rejections()).toEqual({});

    await getMe();
    await getMe();
    expect(await rejections()).toEqual({ 'per-user': 2 });

    await getMe('203.0.113.7', { authorization: 'Bearer not-checked-before-the-limit' });
    expect(await rejections()).toEqual({ 'per-user': 2, 'per-address': 1 });
  });

  it('returns capacity as the window slides', async () => {
    for (let i = 0; i < 3; i += 1) await getMe();
    clock.advance(9999);
    expect((await getMe()).statusCode).toBe(429);

    clock.advance(1);
    expect((await getMe()).statusCode).toBe(200);
  });

  it('limits each client address across users', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await testbed.app.inject({
        url: '/api/openapi.json',
        remoteAddress: '198.51.100.1',
      });
      statuses.push(response.statusCode);
    }

    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    for (let i = 0; i < 5; i += 1) {
      await testbed.app.inject({
        url: '/api/openapi.json',
        remoteAddress: '198.51.100.2',
        headers: { 'x-forwarded-for': `192.0.2.${i}` },
      });
    }
    const spoofed = await testbed.app.inject({
      url: '/api/openapi.json',
      remoteAddress: '198.51.100.2',
      headers: { 'x-forwarded-for': '192.0.2.200' },
    });

    expect(spoofed.statusCode).toBe(429);
  });

  it('gives the login routes their own smaller budget', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i += 1) {
      const response = await testbed.app.inject({
        url: '/api/auth/login',
        remoteAddress: '198.51.100.3',
      });
      statuses.push(response.statusCode);
    }

    // Browser login is off in the testbed (501), but the limit runs first.
    expect(statuses).toEqual([501, 501, 429]);
  });

  it('counts a percent-encoded login path against the login budget', async () => {
    const statuses = [];
    for (const url of ['/api/auth/login', '/api/auth/%6cogin', '/api/%61uth/login']) {
      const response = await testbed.app.inject({ url, remoteAddress: '198.51.100.5' });
      statuses.push(response.statusCode);
    }

    expect(statuses).toEqual([501, 501, 429]);
  });

  it('does not limit the health probes', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i += 1) {
      statuses.push(
        (await testbed.app.inject({ url: '/api/healthz', remoteAddress: '198.51.100.4' }))
          .statusCode,
      );
    }

    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('rate limits behind a trusted proxy', () => {
  let testbed: WebTestbed;

  beforeAll(async () => {
    const store = new MemoryStore();
    testbed = await startWebTestbed({
      security: {
        store,
        rateLimiters: createRateLimiters(store, LIMITS, fakeClock()),
        trustedProxies: ['10.0.0.0/8'],
      },
    });
  });
  afterAll(() => testbed.close());

  const viaProxy = (client: string) =>
    testbed.app.inject({
      url: '/api/openapi.json',
      remoteAddress: '10.1.2.3',
      headers: { 'x-forwarded-for': client },
    });

  it('keys the limit by the forwarded client address', async () => {
    for (let i = 0; i < 5; i += 1) await viaProxy('192.0.2.10');

    expect((await viaProxy('192.0.2.10')).statusCode).toBe(429);
    expect((await viaProxy('192.0.2.11')).statusCode).toBe(200);
  });

  it('ignores addresses a client prepends before the proxy', async () => {
    for (let i = 0; i < 5; i += 1) await viaProxy('192.0.2.20');

    expect((await viaProxy('192.0.2.99, 192.0.2.20')).statusCode).toBe(429);
  });
});
