import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';
import { principalOf } from './authenticate.js';

let testbed: WebTestbed;

beforeAll(async () => {
  testbed = await startWebTestbed();
});
afterAll(() => testbed.close());
beforeEach(() => {
  testbed.gatekeeperStub.calls.length = 0;
});

const ADMIN_URLS = [
  ['DELETE', '/api/admin/users/5d6f2c1e-8a4b-4c3d-9e2f-1a2b3c4d5e6f/data'],
  ['GET', '/api/admin/audit'],
] as const;

describe('admin role guard', () => {
  it.each(ADMIN_URLS)('rejects %s %s without the admin role', async (method, url) => {
    const authorization = await testbed.bearer(['user']);
    const response = await testbed.app.inject({ method, url, headers: { authorization } });

    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ status: 403 });
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it.each(ADMIN_URLS)('rejects %s %s without a token', async (method, url) => {
    const response = await testbed.app.inject({ method, url });

    expect(response.statusCode).toBe(401);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('checks the role before validating input', async () => {
    const authorization = await testbed.bearer(['user']);
    const response = await testbed.app.inject({
      method: 'DELETE',
      url: '/api/admin/users/not-a-uuid/data',
      headers: { authorization },
    });

    expect(response.statusCode).toBe(403);
  });

  it.each(ADMIN_URLS)('admits %s %s with the admin role', async (method, url) => {
    const authorization = await testbed.bearer(['admin']);
    const response = await testbed.app.inject({ method, url, headers: { authorization } });

    expect(response.statusCode).toBe(200);
    expect(testbed.gatekeeperStub.calls).toHaveLength(1);
  });
});

describe('principalOf', () => {
  it('throws on a route without the authenticate hook', () => {
    const request = { url: '/api/open', routeOptions: { url: '/api/open' } } as never;

    expect(() => principalOf(request)).toThrow('Route /api/open has no authenticate hook');
  });
});
