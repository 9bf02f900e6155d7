import { setTimeout as sleep } from 'node:timers/promises';

import {
  browserLogin,
  redisServerAvailable,
  request,
  startStack,
  tokenFor,
  type RedisKind,
  type RunningStack,
} from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The same flows run on the in-memory stores and on a shared Redis server.
const redisKinds: RedisKind[] = (await redisServerAvailable())
  ? ['embedded', 'server']
  : ['embedded'];

interface Profile {
  userId: string;
  displayName: string;
}

/** Waits until the next wall-clock second, so a new token's `iat` is after a revocation. */
async function nextSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 50);
}

async function cacheCounter(
  stack: RunningStack,
  name: 'hits' | 'misses',
  fn: string,
): Promise<number> {
  const text = await (await fetch(stack.metricsUrls.gatekeeper)).text();
  const pattern = new RegExp(
    `^palisade_gatekeeper_cache_${name}_total\\{function="${fn}"\\} (\\d+)`,
    'm',
  );
  return Number(pattern.exec(text)?.[1] ?? 0);
}

describe.each(redisKinds)('Redis layer with the %s store', (redis) => {
  let stack: RunningStack;

  beforeAll(async () => {
    stack = await startStack({ database: 'embedded', redis });
  });
  afterAll(() => stack?.stop());

  const api = (path: string) => `${stack.webUrl}/api${path}`;

  describe('revocation', () => {
    it('rejects a token on the request after its logout', async () => {
      const token = await tokenFor(stack, 'bob');
      expect((await request(api('/me'), { token })).status).toBe(200);

      const logout = await request(api('/auth/logout'), { method: 'POST', token });
      expect(logout.status).toBe(204);

      const after = await request(api('/me'), { token });
      expect(after.status).toBe(401);
      expect(after.headers.get('www-authenticate')).toContain('revoked');
    });

    it('user revocation spares fresh logins', async () => {
      const oldToken = await tokenFor(stack, 'alice');
      const oldSession = await browserLogin(stack, 'alice');
      const { subject } = (await request(api('/auth/session'), { token: oldToken })).body as {
        subject: string;
      };
      const admin = await tokenFor(stack, 'admin');

      const revoke = await request(api(`/admin/users/${subject}/revoke`), {
        method: 'POST',
        token: admin,
      });
      expect(revoke.status).toBe(200);

      expect((await request(api('/me'), { token: oldToken })).status).toBe(401);
      expect((await oldSession.request(api('/me'))).status).toBe(401);

      const freshSession = await browserLogin(stack, 'alice');
      expect((await freshSession.request(api('/me'))).status).toBe(200);
      await nextSecond();
      const freshToken = await tokenFor(stack, 'alice');
      expect((await request(api('/me'), { token: freshToken })).status).toBe(200);
      expect((await request(api('/me'), { token: admin })).status).toBe(200);
    });

    it('lets only admins revoke a user', async () => {
      const token = await tokenFor(stack, 'bob');
      const response = await request(api('/admin/users/someone/revoke'), { method: 'POST', token });

      expect(response.status).toBe(403);
    });
  });

  describe('idempotency', () => {
    it('runs 50 concurrent duplicates once, with identical responses', async () => {
      const token = await tokenFor(stack, 'bob');
      const profile = (await request(api('/me'), { token })).body as Profile;
      const key = `concurrent-${redis}-${Date.now()}`;
      const send = () =>
        request(api('/me'), {
          method: 'PATCH',
          token,
          headers: { 'idempotency-key': key },
          body: { displayName: `Bob ${key}` },
        });

      const responses = await Promise.all(Array.from({ length: 50 }, send));

      expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
      const bodies = new Set(responses.map((response) => JSON.stringify(response.body)));
      expect(bodies.size).toBe(1);
      const records = await stack.query(
        'SELECT 1 FROM app.idempotency_keys WHERE idempotency_key = $1',
        [key],
      );
      expect(records).toHaveLength(1);
      const events = await stack.query(
        "SELECT 1 FROM audit.events WHERE action = 'profile.update' AND target_id = $1",
        [profile.userId],
      );
      expect(events).toHaveLength(1);
    });

    it('replays the first response to a later retry', async () => {
      const token = await tokenFor(stack, 'bob');
      const key = `retry-${redis}-${Date.now()}`;
      const init = {
        method: 'PATCH',
        token,
        headers: { 'idempotency-key': key },
        body: { locale: 'fr' },
      };
      const first = await request(api('/me'), init);
      await request(api('/me'), { method: 'PATCH', token, body: { locale: 'de' } });
      const retry = await request(api('/me'), init);

      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
    });

    it('rejects the same key with another body with 422', async () => {
      const token = await tokenFor(stack, 'bob');
      const key = `mismatch-${redis}-${Date.now()}`;
      const headers = { 'idempotency-key': key };
      await request(api('/me'), { method: 'PATCH', token, headers, body: { locale: 'en' } });
      const reused = await request(api('/me'), {
        method: 'PATCH',
        token,
        headers,
        body: { locale: 'it' },
      });

      expect(reused.status).toBe(422);
      expect((reused.body as { detail: string }).detail).toContain('idempotency key');
    });

    it('keeps the keys of different users apart', async () => {
      const key = `shared-${redis}-${Date.now()}`;
      const headers = { 'idempotency-key': key };
      const bob = await tokenFor(stack, 'bob');
      const admin = await tokenFor(stack, 'admin');
      await request(api('/me'), { method: 'PATCH', token: bob, headers, body: { locale: 'en' } });
      const other = await request(api('/me'), {
        method: 'PATCH',
        token: admin,
        headers,
        body: { displayName: 'Admin' },
      });

      expect(other.status).toBe(200);
      expect((other.body as Profile).displayName).toBe('Admin');
    });

    it('rejects a malformed key with 400', async () => {
      const token = await tokenFor(stack, 'bob');
      const response = await request(api('/me'), {
        method: 'PATCH',
        token,
        headers: { 'idempotency-key': 'has spaces in it' },
        body: { locale: 'en' },
      });

      expect(response.status).toBe(400);
    });
  });

  describe('query cache', () => {
    it('serves repeated reads from the cache and audits each one', async () => {
      const token = await tokenFor(stack, 'admin');
      const profile = (await request(api('/me'), { token })).body as Profile;
      const hitsBefore = await cacheCounter(stack, 'hits', 'EnsureUser');
      const readsBefore = await stack.query(
        "SELECT 1 FROM audit.events WHERE action = 'profile.read' AND target_id = $1",
        [profile.userId],
      );

      for (let i = 0; i < 3; i += 1)
        expect((await request(api('/me'), { token })).status).toBe(200);

      expect(await cacheCounter(stack, 'hits', 'EnsureUser')).toBeGreaterThanOrEqual(
        hitsBefore + 3,
      );
      const readsAfter = await stack.query(
        "SELECT 1 FROM audit.events WHERE action = 'profile.read' AND target_id = $1",
        [profile.userId],
      );
      expect(readsAfter.length - readsBefore.length).toBe(3);
    });

    it('never serves a stale profile after an update', async () => {
      const token = await tokenFor(stack, 'admin');
      for (let round = 0; round < 5; round += 1) {
        await request(api('/me'), { token });
        const displayName = `Admin round ${round}`;
        const patched = await request(api('/me'), {
          method: 'PATCH',
          token,
          body: { displayName },
        });
        expect(patched.status).toBe(200);

        const read = (await request(api('/me'), { token })).body as Profile;
        expect(read.displayName).toBe(displayName);
      }
    });

    it('keeps each user to their own cached profile', async () => {
      const bob = (await request(api('/me'), { token: await tokenFor(stack, 'bob') }))
        .body as Profile;
      const admin = (await request(api('/me'), { token: await tokenFor(stack, 'admin') }))
        .body as Profile;

      expect(bob.userId).not.toBe(admin.userId);
    });
  });
});
