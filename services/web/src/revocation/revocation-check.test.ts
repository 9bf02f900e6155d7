import { MemoryStore, RedisStore } from '@palisade/store';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startWebTestbed, type WebTestbed } from '../testing/web-testbed.js';

/** Creates a logger whose lines the test can read. */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  return { logger, lines };
}

describe('revocation check', () => {
  let testbed: WebTestbed;

  beforeAll(async () => {
    testbed = await startWebTestbed({ security: { store: new MemoryStore() } });
  });
  afterAll(() => testbed.close());

  const getMe = (authorization: string) =>
    testbed.app.inject({ url: '/api/me', headers: { authorization } });

  it('rejects a token on the request after its logout', async () => {
    const authorization = await testbed.bearer();
    expect((await getMe(authorization)).statusCode).toBe(200);

    const logout = await testbed.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization },
    });
    expect(logout.statusCode).toBe(204);

    const after = await getMe(authorization);
    expect(after.statusCode).toBe(401);
    expect(after.headers['www-authenticate']).toContain('The access token has been revoked');
  });

  it('rejects older tokens of a revoked user and admits newer ones', async () => {
    const provider = testbed.identityProvider;
    const old = `Bearer ${await provider.mintToken({ subject: 'carol' })}`;
    const admin = await testbed.bearer(['admin']);

    const revoke = await testbed.app.inject({
      method: 'POST',
      url: '/api/admin/users/carol/revoke',
      headers: { authorization: admin },
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toMatchObject({ subject: 'carol' });

    expect((await getMe(old)).statusCode).toBe(401);
    const nextSecond = Math.floor(Date.now() / 1000) + 1;
    const fresh = `Bearer ${await provider.mintToken({ subject: 'carol', issuedAtSeconds: nextSecond })}`;
    expect((await getMe(fresh)).statusCode).toBe(200);
  });

  it('rejects a token issued in the second of the revocation', async () => {
    const provider = testbed.identityProvider;
    const admin = await testbed.bearer(['admin']);
    await testbed.app.inject({
      method: 'POST',
      url: '/api/admin/users/dave/revoke',
      headers: { authorization: admin },
    });
    const sameSecond = Math.floor(Date.now() / 1000);
    const token = `Bearer ${await provider.mintToken({ subject: 'dave', issuedAtSeconds: sameSecond })}`;

    expect((await getMe(token)).statusCode).toBe(401);
  });
});

describe('revocation check without Redis', () => {
  // Port 9 (discard) on loopback: nothing listens there.
  const unreachable = () => new RedisStore({ url: 'redis://127.0.0.1:9' });

  it('fails closed with 503 and a problem body by default', async () => {
    const { logger, lines } = capturedLogger();
    const testbed = await startWebTestbed({ logger, security: { store: unreachable() } });
    const response = await testbed.app.inject({
      url: '/api/me',
      headers: { authorization: await testbed.bearer() },
    });
    await testbed.close();

    expect(response.statusCode).toBe(503);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({
      type: 'https://palisade.local/problems/session-store-unavailable',
      detail:
        'The revocation list is unreachable, so the credentials cannot be checked; retry later',
    });
    expect(testbed.gatekeeperStub.calls).toHaveLength(0);
    expect(lines.filter((line) => line.msg === 'request failed')).toHaveLength(1);
  });

  it('admits the request unchecked in open mode and logs it', async () => {
    const { logger, lines } = capturedLogger();
    const testbed = await startWebTestbed({
      logger,
      security: { store: unreachable(), revocationFailMode: 'open' },
    });
    const response = await testbed.app.inject({
      url: '/api/me',
      headers: { authorization: await testbed.bearer() },
    });
    await testbed.close();

    expect(response.statusCode).toBe(200);
    const warnings = lines.filter(
      (line) => line.msg === 'revocation check failed; request admitted unchecked',
    );
    expect(warnings).toHaveLength(1);
  });

  it('still rejects a missing token in open mode', async () => {
    const testbed = await startWebTestbed({
      security: { store: unreachable(), revocationFailMode: 'open' },
    });
    const response = await testbed.app.inject({ url: '/api/me' });
    await testbed.close();

    expect(response.statusCode).toBe(401);
  });

  it('answers 503 to an admin revocation whatever the mode', async () => {
    const testbed = await startWebTestbed({
      security: { store: unreachable(), revocationFailMode: 'open' },
    });
    const response = await testbed.app.inject({
      method: 'POST',
      url: '/api/admin/users/carol/revoke',
      headers: { authorization: await testbed.bearer(['admin']) },
    });
    await testbed.close();

    expect(response.statusCode).toBe(503);
  });
});
