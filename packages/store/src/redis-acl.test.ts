import { randomBytes } from 'node:crypto';

import { redisServerAvailable, testRedisUrl } from '@palisade/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';

import { StoreUnavailableError } from './key-value-store.js';
import { RedisStore } from './redis-store.js';

const redisUp = await redisServerAvailable();

// A deployed workload's cache user may touch only keys under its stage's prefix and may not run
// the commands of the `@dangerous` category except INFO, with the same access string as here.
describe.skipIf(!redisUp)('RedisStore as a user limited to its key prefix', () => {
  const suffix = randomBytes(4).toString('hex');
  const user = `palisade-acl-test-${suffix}`;
  const password = randomBytes(16).toString('hex');
  const prefix = `palisade-acl-test-${suffix}:`;
  let admin: Redis;
  let store: RedisStore;
  let warnings: MockInstance<typeof console.warn>;

  function storeWithPrefix(keyPrefix: string): RedisStore {
    const url = new URL(testRedisUrl);
    url.username = user;
    url.password = password;
    return new RedisStore({ url: url.href, keyPrefix });
  }

  beforeAll(async () => {
    warnings = vi.spyOn(console, 'warn');
    admin = new Redis(testRedisUrl);
    await admin.call(
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      `~${prefix}*`,
      '+@all',
      '-@dangerous',
      '+info',
    );
    store = storeWithPrefix(prefix);
  });

  afterAll(async () => {
    warnings.mockRestore();
    await store?.close();
    await admin.call('ACL', 'DELUSER', user);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('connects and runs every operation', async () => {
    expect(await store.waitUntilReady(5000)).toBe(true);
    // ioredis warns on the console when the user may not run INFO for its ready check.
    expect(warnings.mock.calls).toEqual([]);
    await store.ping();

    await store.set('plain', 'v', 10_000);
    expect(await store.get('plain')).toBe('v');
    expect(await store.setIfAbsent('plain', 'w', 10_000)).toBe(false);
    expect(await store.deleteIfEqual('plain', 'v')).toBe(true);
    expect(await store.setIfGuard('guarded', 'v', 10_000, 'guard', undefined)).toBe(true);
    expect(await store.raiseTo('counter', 5, 10_000)).toBe(5);
    const outcome = await store.hitSlidingWindow('window', {
      nowMs: Date.now(),
      windowMs: 1000,
      limit: 2,
      member: 'a',
    });
    expect(outcome.allowed).toBe(true);
    expect(await store.take('counter')).toBe('5');
    await store.delete('guarded');
  });

  it('cannot touch a key outside its prefix', async () => {
    const outsider = storeWithPrefix(`palisade-other-${suffix}:`);
    try {
      expect(await outsider.waitUntilReady(5000)).toBe(true);

      const failure: unknown = await outsider.get('plain').catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect(String((failure as Error).cause)).toMatch(/NOPERM/);
    } finally {
      await outsider.close();
    }
  });
});
