import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;

beforeAll(async () => {
  testbed = await startWebTestbed();
});
afterAll(() => testbed.close());

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe('OpenAPI document', () => {
  let document: OpenApiDocument;

  beforeAll(async () => {
    const response = await testbed.app.inject({ url: '/api/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json<OpenApiDocument>();
  });

  it('is OpenAPI 3', () => {
    expect(document.openapi).toMatch(/^3\./);
  });

  it.each([
    ['/api/me', 'get'],
    ['/api/me', 'patch'],
    ['/api/admin/users/{id}/data', 'delete'],
    ['/api/admin/audit', 'get'],
    ['/api/healthz', 'get'],
    ['/api/readyz', 'get'],
    ['/api/entries', 'post'],
    ['/api/entries', 'get'],
    ['/api/entries/search', 'get'],
    ['/api/entries/{id}', 'get'],
    ['/api/entries/{id}', 'patch'],
    ['/api/entries/{id}', 'delete'],
    ['/api/experiments', 'post'],
    ['/api/experiments/{id}', 'get'],
    ['/api/inventory/items', 'get'],
  ])('lists %s %s', (path, method) => {
    expect(document.paths[path]?.[method]).toBeDefined();
  });

  it('lists no other route', () => {
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/admin/audit',
      '/api/admin/users/{id}/data',
      '/api/admin/users/{subject}/revoke',
      '/api/auth/callback',
      '/api/auth/login',
      '/api/auth/logout',
      '/api/auth/session',
      '/api/entries',
      '/api/entries/search',
      '/api/entries/{id}',
      '/api/experiments',
      '/api/experiments/{id}',
      '/api/healthz',
      '/api/inventory/items',
      '/api/me',
      '/api/readyz',
    ]);
  });

  it('declares the bearer scheme', () => {
    expect(document.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('requires the bearer token on protected routes', () => {
    expect(document.paths['/api/me']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/api/admin/audit']?.get?.security).toEqual([{ bearerAuth: [] }]);
  });
});

describe('documentation page', () => {
  it('serves Swagger UI', async () => {
    const response = await testbed.app.inject({ url: '/api/docs' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('security headers', () => {
  it('sets helmet headers on API responses', async () => {
    const response = await testbed.app.inject({ url: '/api/healthz' });

    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['strict-transport-security']).toBeDefined();
  });

  it('sets them on a request that authentication rejects', async () => {
    const response = await testbed.app.inject({ url: '/api/me' });

    expect(response.statusCode).toBe(401);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('sets them on a malformed URL', async () => {
    const response = await testbed.app.inject({
      url: '/api/entries/%E0%A4%A',
      headers: { 'x-request-id': 'bad-url-1' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-request-id']).toBe('bad-url-1');
  });

  it('sets them on an unknown path', async () => {
    const response = await testbed.app.inject({ url: '/api/no-such-route' });

    expect(response.statusCode).toBe(404);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});
