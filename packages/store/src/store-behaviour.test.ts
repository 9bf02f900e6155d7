import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { redisServerAvailable, testRedisUrl } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { QueryCache, type CacheCodec } from './cache/query-cache.js';
import {
  IdempotencyKeyReusedError,
  IdempotencyRequestInProgressError,
} from './idempotency/idempotency-errors.js';
import { IdempotencyReservations } from './idempotency/idempotency-reservations.js';
import type { KeyValueStore } from './key-value-store.js';
import { MemoryStore } from './memory-store.js';
import { SlidingWindowLimiter } from './rate-limit/sliding-window-limiter.js';
import { RedisStore } from './redis-store.js';
import { RevocationList } from './revocation/revocation-list.js';

type StoreKind = 'memory' | 'redis';

// The same behaviour is required of both stores, so the embedded one cannot drift from Redis.
const kinds: StoreKind[] = (await redisServerAvailable()) ? ['memory', 'redis'] : ['memory'];

async function createTestStore(kind: StoreKind): Promise<KeyValueStore> {
  if (kind === 'memory') return new MemoryStore();
  const store = new RedisStore({ url: testRedisUrl, keyPrefix: `palisade-test:${randomUUID()}:` });
  if (!(await store.waitUntilReady(5000))) throw new Error(`Redis at ${testRedisUrl} not ready`);
  return store;
}

/** Creates a clock that moves only when the test moves it. */
function fakeClock(startMs = Date.UTC(2025, 0, 1)) {
  let now = startMs;
  const clock = () => now;
  return Object.assign(clock, { advance: (ms: number) => (now += ms) });
}

const jsonCodec: CacheCodec<{ name: string }> = {
  encode: (value) => JSON.stringify(value),
  decode: (text) => JSON.parse(text) as { name: string },
};

describe.each(kinds)('%s store', (kind) => {
  let store: KeyValueStore;

  beforeAll(async () => {
    store = await createTestStore(kind);
  });
  afterAll(() => store.close());

  describe('key-value operations', () => {
    it('returns undefined for an absent key', async () => {
      expect(await store.get('absent')).toBeUndefined();
    });

    it('expires a value after its TTL', async () => {
      await store.set('short', 'v', 50);
      expect(await store.get('short')).toBe('v');

      await sleep(120);
      expect(await store.get('short')).toBeUndefined();
    });

    it('stores only the first of two setIfAbsent calls', async () => {
      expect(await store.setIfAbsent('once', 'first', 10_000)).toBe(true);
      expect(await store.setIfAbsent('once', 'second', 10_000)).toBe(false);
      expect(await store.get('once')).toBe('first');
    });

    it('gives a taken value to exactly one of concurrent callers', async () => {
      await store.set('ticket', 'v', 10_000);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.take('ticket')));

      expect(results.filter((value) => value === 'v')).toHaveLength(1);
      expect(await store.get('ticket')).toBeUndefined();
    });

    it('deletes only an expected value', async () => {
      await store.set('owned', 'mine', 10_000);

      expect(await store.deleteIfEqual('owned', 'theirs')).toBe(false);
      expect(await store.get('owned')).toBe('mine');
      expect(await store.deleteIfEqual('owned', 'mine')).toBe(true);
      expect(await store.get('owned')).toBeUndefined();
    });

    it('stores under a guard only while the guard is unchanged', async () => {
      expect(await store.setIfGuard('guarded', 'a', 10_000, 'guard', undefined)).toBe(true);
      await store.set('guard', 'g1', 10_000);

      expect(await store.setIfGuard('guarded', 'b', 10_000, 'guard', undefined)).toBe(false);
      expect(await store.setIfGuard('guarded', 'c', 10_000, 'guard', 'g0')).toBe(false);
      expect(await store.setIfGuard('guarded', 'd', 10_000, 'guard', 'g1')).toBe(true);
      expect(await store.get('guarded')).toBe('d');
    });

    it('raises a number but never lowers it', async () => {
      const high = Date.UTC(2025, 5, 1, 12, 0, 0, 123);

      expect(await store.raiseTo('mark', high, 10_000)).toBe(high);
      expect(await store.raiseTo('mark', high - 1000, 10_000)).toBe(high);
      expect(await store.raiseTo('mark', high + 1, 10_000)).toBe(high + 1);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });

  describe('sliding-window limiter', () => {
    const policy = { name: `test-${kind}`, limit: 5, windowMs: 10_000 };

    it('allows exactly the limit within one window', async () => {
      const limiter = new SlidingWindowLimiter(store, policy, { clock: fakeClock() });
      const decisions = [];
      for (let i = 0; i < 6; i += 1) decisions.push(await limiter.hit('exact'));

      expect(decisions.slice(0, 5).every((decision) => decision.allowed)).toBe(true);
      expect(decisions.map((decision) => decision.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
      expect(decisions[5]?.allowed).toBe(false);
    });

    it('reports when the oldest request leaves the window', async () => {
      const clock = fakeClock();
      const limiter = new SlidingWindowLimiter(store, policy, { clock });
      await limiter.hit('reset');
      clock.advance(3000);
      for (let i = 0; i < 4; i += 1) await limiter.hit('reset');
      clock.advance(1000);
      const rejected = await limiter.hit('reset');

      expect(rejected.allowed).toBe(false);
      expect(rejected.resetMs).toBe(6000);
    });

    it('returns capacity as the window slides', async () => {
      const clock = fakeClock();
      const limiter = new SlidingWindowLimiter(store, policy, { clock });
      await limiter.hit('slide');
      clock.advance(5000);
      for (let i = 0; i < 4; i += 1) await limiter.hit('slide');

      clock.advance(4999);
      expect((await limiter.hit('slide')).allowed).toBe(false);
      clock.advance(1);
      const afterFirstLeft = await limiter.hit('slide');
      expect(afterFirstLeft.allowed).toBe(true);
      expect(afterFirstLeft.remaining).toBe(0);
      expect((await limiter.hit('slide')).allowed).toBe(false);
    });

    it('does not count rejected requests', async () => {
      const clock = fakeClock();
      const limiter = new SlidingWindowLimiter(store, policy, { clock });
      for (let i = 0; i < 5; i += 1) await limiter.hit('rejected');
      for (let i = 0; i < 20; i += 1) await limiter.hit('rejected');

      clock.advance(10_000);
      expect((await limiter.hit('rejected')).remaining).toBe(4);
    });

    it('keeps keys apart', async () => {
      const limiter = new SlidingWindowLimiter(store, policy, { clock: fakeClock() });
      for (let i = 0; i < 5; i += 1) await limiter.hit('first-key');

      expect((await limiter.hit('second-key')).allowed).toBe(true);
    });

    it('never overshoots under concurrent requests', async () => {
      const limiter = new SlidingWindowLimiter(store, policy, { clock: fakeClock() });
      const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.hit('burst')));

      expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    });

    it('rejects a non-positive limit', () => {
      expect(() => new SlidingWindowLimiter(store, { ...policy, limit: 0 })).toThrow(RangeError);
    });
  });

  describe('revocation list', () => {
    it('revokes a token by its id until it expires', async () => {
      const clock = fakeClock(Date.now());
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const tokenId = randomUUID();
      await list.revokeToken(tokenId, new Date(clock() + 60_000));

      expect(await list.check({ subject: 'alice', tokenId, issuedAtMs: clock() })).toBe('token');
      expect(
        await list.check({ subject: 'alice', tokenId: randomUUID(), issuedAtMs: clock() }),
      ).toBeUndefined();
    });

    it('stores nothing for a token that expired long ago', async () => {
      const clock = fakeClock(Date.now());
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const tokenId = randomUUID();
      await list.revokeToken(tokenId, new Date(clock() - 120_000));

      expect(await list.check({ subject: 'alice', tokenId, issuedAtMs: clock() })).toBeUndefined();
    });

    it('revokes a token with an id through its user', async () => {
      const clock = fakeClock(Date.now());
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const subject = `user-${randomUUID()}`;
      const issuedAtMs = clock() - 1;
      await list.revokeUser(subject);

      expect(await list.check({ subject, tokenId: randomUUID(), issuedAtMs })).toBe('user');
    });

    it('revokes every credential of a user issued before the revocation', async () => {
      const clock = fakeClock(Date.now());
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const subject = `user-${randomUUID()}`;
      const before = clock() - 1;
      const revokedAt = await list.revokeUser(subject);

      expect(revokedAt.getTime()).toBe(clock());
      expect(await list.check({ subject, issuedAtMs: before })).toBe('user');
      expect(await list.check({ subject, issuedAtMs: clock() })).toBeUndefined();
      expect(await list.check({ subject: 'someone-else', issuedAtMs: before })).toBeUndefined();
    });

    it('treats a token from the revocation second as issued before it', async () => {
      const clock = fakeClock(Date.UTC(2025, 0, 1, 12, 0, 0, 500));
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const subject = `user-${randomUUID()}`;
      await list.revokeUser(subject);
      const sameSecondIat = Math.floor(clock() / 1000) * 1000;

      expect(await list.check({ subject, issuedAtMs: sameSecondIat })).toBe('user');
      expect(await list.check({ subject, issuedAtMs: sameSecondIat + 1000 })).toBeUndefined();
    });

    it('never moves a user revocation back', async () => {
      const clock = fakeClock(Date.now());
      const list = new RevocationList(store, { userRevocationTtlMs: 60_000, clock });
      const subject = `user-${randomUUID()}`;
      await list.revokeUser(subject);
      const first = clock();
      clock.advance(-5000);

      expect((await list.revokeUser(subject)).getTime()).toBe(first);
    });
  });

  describe('idempotency reservations', () => {
    const soon = () => new Date(Date.now() + 5000);

    it('reserves a new key, then replays its response', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      const first = await reservations.reserve('alice', key, 'hash-1', soon());
      expect(first.kind).toBe('reserved');
      if (first.kind === 'reserved') await first.complete('response-1');

      const second = await reservations.reserve('alice', key, 'hash-1', soon());
      expect(second).toEqual({ kind: 'replay', response: 'response-1' });
    });

    it('rejects the same key with another request', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      const first = await reservations.reserve('alice', key, 'hash-1', soon());
      if (first.kind === 'reserved') await first.complete('response-1');

      await expect(reservations.reserve('alice', key, 'hash-2', soon())).rejects.toBeInstanceOf(
        IdempotencyKeyReusedError,
      );
    });

    it('keeps the keys of different callers apart', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      await reservations.reserve('alice', key, 'hash-1', soon());

      expect((await reservations.reserve('bob', key, 'hash-2', soon())).kind).toBe('reserved');
    });

    it('lets concurrent duplicates wait for the first response', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const outcome = await reservations.reserve('alice', key, 'hash-1', soon());
          if (outcome.kind === 'reserved') {
            await sleep(50);
            await outcome.complete('the-response');
            return 'the-response';
          }
          return outcome.response;
        }),
      );

      expect(new Set(outcomes)).toEqual(new Set(['the-response']));
    });

    it('grants exactly one reservation to concurrent duplicates', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      let reserved = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          const outcome = await reservations.reserve('alice', key, 'hash-1', soon());
          if (outcome.kind === 'reserved') {
            reserved += 1;
            await sleep(20);
            await outcome.complete('done');
          }
        }),
      );

      expect(reserved).toBe(1);
    });

    it('frees a released key for a retry', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      const first = await reservations.reserve('alice', key, 'hash-1', soon());
      if (first.kind === 'reserved') await first.release();

      expect((await reservations.reserve('alice', key, 'hash-1', soon())).kind).toBe('reserved');
    });

    it('gives up waiting at the deadline', async () => {
      const reservations = new IdempotencyReservations(store);
      const key = randomUUID();
      await reservations.reserve('alice', key, 'hash-1', soon());

      await expect(
        reservations.reserve('alice', key, 'hash-1', new Date(Date.now() + 100)),
      ).rejects.toBeInstanceOf(IdempotencyRequestInProgressError);
    });

    it('frees the key of a request that never finished after the pending TTL', async () => {
      const reservations = new IdempotencyReservations(store, { pendingTtlMs: 50 });
      const key = randomUUID();
      await reservations.reserve('alice', key, 'hash-1', soon());
      await sleep(120);

      expect((await reservations.reserve('alice', key, 'hash-1', soon())).kind).toBe('reserved');
    });
  });

  describe('query cache', () => {
    function newCache() {
      return new QueryCache(store, {
        namespace: `test-${randomUUID()}`,
        codec: jsonCodec,
        ttlMs: 10_000,
      });
    }

    it('loads on a miss and serves the next read from the cache', async () => {
      const cache = newCache();
      let loads = 0;
      const load = () => Promise.resolve({ name: `load-${(loads += 1)}` });

      const first = await cache.get('user-1', load);
      const second = await cache.get('user-1', load);

      expect(first).toEqual({ value: { name: 'load-1' }, hit: false });
      expect(second).toEqual({ value: { name: 'load-1' }, hit: true });
      expect(loads).toBe(1);
    });

    it('keeps the entries of different keys apart', async () => {
      const cache = newCache();
      await cache.get('user-1', () => Promise.resolve({ name: 'one' }));
      const other = await cache.get('user-2', () => Promise.resolve({ name: 'two' }));

      expect(other.value).toEqual({ name: 'two' });
    });

    it('does not cache an undefined result', async () => {
      const cache = newCache();
      await cache.get('missing', () => Promise.resolve(undefined));
      const again = await cache.get('missing', () => Promise.resolve({ name: 'created' }));

      expect(again).toEqual({ value: { name: 'created' }, hit: false });
    });

    it('makes one load for a burst of misses', async () => {
      const cache = newCache();
      let loads = 0;
      const load = async () => {
        loads += 1;
        await sleep(30);
        return { name: 'shared' };
      };
      const results = await Promise.all(Array.from({ length: 25 }, () => cache.get('hot', load)));

      expect(loads).toBe(1);
      expect(results.every((result) => result.value?.name === 'shared')).toBe(true);
    });

    it('reloads after an invalidation', async () => {
      const cache = newCache();
      await cache.get('user-1', () => Promise.resolve({ name: 'old' }));
      await cache.invalidate('user-1');
      const fresh = await cache.get('user-1', () => Promise.resolve({ name: 'new' }));

      expect(fresh).toEqual({ value: { name: 'new' }, hit: false });
    });

    it('does not store what a slow reader loaded before a write', async () => {
      const cache = newCache();
      let releaseSlowRead!: () => void;
      const slowRead = cache.get('raced', async () => {
        await new Promise<void>((resolve) => (releaseSlowRead = resolve));
        return { name: 'stale' };
      });
      await sleep(20);

      await cache.invalidate('raced');
      releaseSlowRead();
      await slowRead;
      const next = await cache.get('raced', () => Promise.resolve({ name: 'fresh' }));

      expect(next).toEqual({ value: { name: 'fresh' }, hit: false });
    });

    it('does not join a load that started before an invalidation', async () => {
      const cache = newCache();
      let releaseSlowRead!: () => void;
      const slowRead = cache.get('joined', async () => {
        await new Promise<void>((resolve) => (releaseSlowRead = resolve));
        return { name: 'stale' };
      });
      await sleep(20);

      await cache.invalidate('joined');
      const afterWrite = cache.get('joined', () => Promise.resolve({ name: 'fresh' }));
      releaseSlowRead();
      await slowRead;

      expect((await afterWrite).value).toEqual({ name: 'fresh' });
    });
  });
});
