import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError } from '@palisade/config';
import {
  buildEdge,
  contentSecurityPolicy,
  immutableCacheControl,
  loadEdgeConfig,
  revalidateCacheControl,
} from '@palisade/edge';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const silent = pino({ level: 'silent' });
const indexHtml = '<!doctype html><title>app</title><div id="root"></div>';
const script = 'console.log("app");';

interface Echo {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

let root: string;
let upstream: FastifyInstance;
let upstreamUrl: string;
let edge: FastifyInstance;
let edgeUrl: string;

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'palisade-edge-'));
  await mkdir(join(root, 'assets'));
  await writeFile(join(root, 'index.html'), indexHtml);
  await writeFile(join(root, 'assets', 'index-Ab12Cd34.js'), script);
  await writeFile(join(root, 'robots.txt'), 'User-agent: *\n');

  // Stands in for the web tier: it sends back what the edge forwarded.
  upstream = Fastify();
  upstream.all('/api/*', (request): Echo => ({
    method: request.method,
    url: request.url,
    headers: request.headers,
    body: request.body ?? null,
  }));
  upstream.get('/api/docs', (_request, reply) =>
    reply.header('content-security-policy', "default-src 'self'").send('docs'),
  );
  upstreamUrl = await listen(upstream);

  edge = await buildEdge({ staticRoot: root, upstreamUrl, hsts: true, logger: silent });
  edgeUrl = await listen(edge);
});

afterAll(async () => {
  await edge?.close();
  await upstream?.close();
  await rm(root, { recursive: true, force: true });
});

describe('static files', () => {
  it('caches a hashed asset as immutable for a year', async () => {
    const response = await fetch(`${edgeUrl}/assets/index-Ab12Cd34.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe(immutableCacheControl);
    expect(await response.text()).toBe(script);
  });

  it('makes the browser revalidate index.html at the root', async () => {
    const response = await fetch(`${edgeUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe(revalidateCacheControl);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe(indexHtml);
  });

  it('makes the browser revalidate an unhashed file outside assets/', async () => {
    const response = await fetch(`${edgeUrl}/robots.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe(revalidateCacheControl);
  });

  it('serves index.html for a client route, deep or with a query', async () => {
    for (const path of ['/profile', '/admin/audit?action=profile.update']) {
      const response = await fetch(`${edgeUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe(revalidateCacheControl);
      expect(await response.text(), path).toBe(indexHtml);
    }
  });

  it('answers 404, not index.html, for a missing asset', async () => {
    const response = await fetch(`${edgeUrl}/assets/index-missing.js`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('<!doctype html>');
  });

  it('answers 404 for a missing file with an extension outside assets/', async () => {
    const response = await fetch(`${edgeUrl}/favicon.ico`);
    expect(response.status).toBe(404);
  });

  it('answers 404 for a POST to a client route', async () => {
    const response = await fetch(`${edgeUrl}/profile`, { method: 'POST' });
    expect(response.status).toBe(404);
  });

  it('never serves a file outside the static root', async () => {
    const response = await fetch(`${edgeUrl}/assets/..%2f..%2fetc%2fpasswd`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('root:');
  });
});

describe('security headers', () => {
  it('sends a CSP that allows no inline script', async () => {
    const response = await fetch(`${edgeUrl}/`);
    const csp = response.headers.get('content-security-policy');
    expect(csp).toBe(contentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('sends the other security headers and HSTS in production mode', async () => {
    const { headers } = await fetch(`${edgeUrl}/profile`);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
    expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(headers.get('permissions-policy')).toContain('camera=()');
    expect(headers.get('strict-transport-security')).toMatch(/^max-age=\d+; includeSubDomains$/);
  });

  it('sends the security headers on a 404 too', async () => {
    const response = await fetch(`${edgeUrl}/assets/index-missing.js`);
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy);
  });

  it('leaves out HSTS in development mode', async () => {
    const development = await buildEdge({
      staticRoot: root,
      upstreamUrl,
      hsts: false,
      logger: silent,
    });
    try {
      const response = await development.inject({ method: 'GET', url: '/' });
      expect(response.headers['strict-transport-security']).toBeUndefined();
      expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy);
    } finally {
      await development.close();
    }
  });

  it("keeps a proxied response's own CSP", async () => {
    const response = await fetch(`${edgeUrl}/api/docs`);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('API proxy', () => {
  it('forwards method, path, query and body to the web tier', async () => {
    const response = await fetch(`${edgeUrl}/api/me?x=1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Alice' }),
    });
    const echo = (await response.json()) as Echo;
    expect(response.status).toBe(200);
    expect(echo.method).toBe('PATCH');
    expect(echo.url).toBe('/api/me?x=1');
    expect(echo.body).toEqual({ displayName: 'Alice' });
  });

  it('passes Origin, the CSRF header and cookies through unchanged', async () => {
    const response = await fetch(`${edgeUrl}/api/auth/logout`, {
      method: 'POST',
      headers: { origin: edgeUrl, 'x-palisade-csrf': '1', cookie: 'palisade_session=abc' },
    });
    const { headers } = (await response.json()) as Echo;
    expect(headers['origin']).toBe(edgeUrl);
    expect(headers['x-palisade-csrf']).toBe('1');
    expect(headers['cookie']).toBe('palisade_session=abc');
  });

  it("sets X-Forwarded-For to the client's address and the public host", async () => {
    const response = await fetch(`${edgeUrl}/api/healthz`);
    const { headers } = (await response.json()) as Echo;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-host']).toBe(new URL(edgeUrl).host);
    expect(headers['x-forwarded-proto']).toBe('http');
  });

  it('passes a valid request id on to the web tier', async () => {
    const forwardedId = async (headers: Record<string, string>) => {
      const response = await fetch(`${edgeUrl}/api/healthz`, { headers });
      return ((await response.json()) as Echo).headers['x-request-id'];
    };

    expect(await forwardedId({ 'x-request-id': 'edge-trace-1' })).toBe('edge-trace-1');
    expect(await forwardedId({})).toMatch(/^[0-9a-f-]{36}$/);
    expect(await forwardedId({ 'x-request-id': 'forged\tline' })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('replaces an X-Forwarded-For the client sent, so it cannot choose its address', async () => {
    const response = await fetch(`${edgeUrl}/api/healthz`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    const { headers } = (await response.json()) as Echo;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('forwards the client address that a trusted proxy names', async () => {
    const behindProxy = await buildEdge({
      staticRoot: root,
      upstreamUrl,
      hsts: true,
      logger: silent,
      trustedProxies: ['127.0.0.1/32'],
    });
    const forwardedFor = async (value: string) => {
      const response = await behindProxy.inject({
        method: 'GET',
        url: '/api/healthz',
        remoteAddress: '127.0.0.1',
        headers: { 'x-forwarded-for': value },
      });
      return response.json<Echo>().headers['x-forwarded-for'];
    };
    try {
      expect(await forwardedFor('203.0.113.9')).toBe('203.0.113.9');
      // Only the hop the trusted proxy appended counts; an address the client wrote before it
      // does not.
      expect(await forwardedFor('198.51.100.1, 203.0.113.9')).toBe('203.0.113.9');
    } finally {
      await behindProxy.close();
    }
  });

  it('counts requests per route pattern, never per raw path', async () => {
    const registry = new Registry();
    const counted = await buildEdge({
      staticRoot: root,
      upstreamUrl,
      hsts: true,
      logger: silent,
      metricsRegistry: registry,
    });
    try {
      await counted.inject({ method: 'GET', url: '/healthz' });
      await counted.inject({ method: 'GET', url: '/api/healthz' });
      await counted.inject({ method: 'GET', url: '/notebook/entry-4711' });
      const exposition = await registry.metrics();

      expect(exposition).toContain('route="/healthz",status_code="200"');
      expect(exposition).toMatch(/palisade_edge_http_requests_total\{[^}]*route="\/api\/\*"/);
      expect(exposition).not.toContain('entry-4711');
      expect(exposition).not.toContain('route="/api/healthz"');
    } finally {
      await counted.close();
    }
  });

  it('answers a 5xx when the web tier is down', async () => {
    const orphan = await buildEdge({
      staticRoot: root,
      upstreamUrl: 'http://127.0.0.1:1',
      hsts: false,
      logger: silent,
    });
    try {
      const response = await orphan.inject({ method: 'GET', url: '/api/me' });
      expect(response.statusCode).toBeGreaterThanOrEqual(500);
      expect(response.headers['content-security-policy']).toBe(contentSecurityPolicy);
    } finally {
      await orphan.close();
    }
  });
});

describe('health and an unbuilt frontend', () => {
  it('answers GET /healthz', async () => {
    const response = await fetch(`${edgeUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 naming the build command when index.html is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'palisade-edge-empty-'));
    const unbuilt = await buildEdge({
      staticRoot: empty,
      upstreamUrl,
      hsts: false,
      logger: silent,
    });
    try {
      const page = await unbuilt.inject({ method: 'GET', url: '/profile' });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build');
      const health = await unbuilt.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    } finally {
      await unbuilt.close();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('loadEdgeConfig', () => {
  it('defaults to port 8080 in production mode with the web tier on 3000', () => {
    const config = loadEdgeConfig({});
    expect(config.EDGE_PORT).toBe(8080);
    expect(config.EDGE_MODE).toBe('production');
    expect(config.EDGE_UPSTREAM_URL).toBe('http://127.0.0.1:3000');
  });

  it('rejects an upstream URL with a path', () => {
    expect(() => loadEdgeConfig({ EDGE_UPSTREAM_URL: 'http://127.0.0.1:3000/api' })).toThrow(
      ConfigError,
    );
  });

  it('reads the trusted proxies as a list', () => {
    const config = loadEdgeConfig({ EDGE_TRUSTED_PROXIES: '127.0.0.6/32, 10.0.0.0/16' });

    expect(config.trustedProxies).toEqual(['127.0.0.6/32', '10.0.0.0/16']);
  });

  it('names an invalid trusted proxy', () => {
    expect(() => loadEdgeConfig({ EDGE_TRUSTED_PROXIES: '10.0.0.0/8,proxy.local' })).toThrow(
      /EDGE_TRUSTED_PROXIES contains "proxy.local"/,
    );
  });

  it('rejects an unknown mode', () => {
    expect(() => loadEdgeConfig({ EDGE_MODE: 'staging' })).toThrow(/EDGE_MODE/);
  });
});
