import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

let testbed: WebTestbed;

beforeAll(async () => {
  testbed = await startWebTestbed();
});
afterAll(() => testbed.close());
beforeEach(() => {
  testbed.gatekeeperStub.calls.length = 0;
});

function getMe(authorization?: string) {
  return testbed.app.inject({
    url: '/api/me',
    headers: authorization === undefined ? {} : { authorization },
  });
}

describe('authenticate', () => {
  it('rejects a request without a token', async () => {
    const response = await getMe();

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('rejects another authorization scheme', async () => {
    const response = await getMe('Basic YWxpY2U6c2VjcmV0');

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('rejects a garbage token', async () => {
    const response = await getMe('Bearer not.a.jwt');

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('rejects an expired token', async () => {
    const token = await testbed.identityProvider.mintToken({ expiresInSeconds: -120 });
    const response = await getMe(`Bearer ${token}`);

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('The access token expired');
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('rejects a token signed with an unknown key', async () => {
    const token = await testbed.identityProvider.mintToken({ foreignKey: true });
    const response = await getMe(`Bearer ${token}`);

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('rejects a token for another audience', async () => {
    const token = await testbed.identityProvider.mintToken({ audience: 'https://other.test' });
    const response = await getMe(`Bearer ${token}`);

    expect(response.statusCode).toBe(401);
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
  });

  it('never echoes the token', async () => {
    const token = await testbed.identityProvider.mintToken({ expiresInSeconds: -120 });
    const response = await getMe(`Bearer ${token}`);

    expect(response.body).not.toContain(token);
  });

  it('accepts a valid token', async () => {
    const response = await getMe(await testbed.bearer());

    expect(response.statusCode).toBe(200);
  });
});

describe('authenticate without the identity provider', () => {
  let offline: WebTestbed;

  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens there, so the key set fetch fails.
    offline = await startWebTestbed({ jwksUri: 'http://127.0.0.1:9/jwks' });
  });
  afterAll(() => offline.close());

  it('returns 503 when the key set is unreachable', async () => {
    const response = await offline.app.inject({
      url: '/api/me',
      headers: { authorization: await offline.bearer() },
    });

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 503 });
    expect(offline.gatekeeperStub.calls).toHaveLength(0);
  });
});
