import { describe, expect, it } from 'vitest';

import { UserIdCache } from './user-id-cache.js';

const issuer = 'https://issuer.test';

/** Creates a cache on a clock that the test moves by hand. */
function cacheAt(options: { ttlMs: number; maxEntries?: number }) {
  const clock = { now: 1_000 };
  const cache = new UserIdCache({ ...options, now: () => clock.now });
  return { cache, clock };
}

describe('UserIdCache', () => {
  it('returns a stored id until the TTL passes', () => {
    const { cache, clock } = cacheAt({ ttlMs: 100 });
    cache.set(issuer, 'alice', 'id-a');

    clock.now += 99;
    expect(cache.get(issuer, 'alice')).toBe('id-a');
    clock.now += 1;
    expect(cache.get(issuer, 'alice')).toBeUndefined();
  });

  it('stores nothing with a TTL of 0', () => {
    const { cache } = cacheAt({ ttlMs: 0 });
    cache.set(issuer, 'alice', 'id-a');

    expect(cache.get(issuer, 'alice')).toBeUndefined();
  });

  it('forgets a deleted identity', () => {
    const { cache } = cacheAt({ ttlMs: 100 });
    cache.set(issuer, 'alice', 'id-a');
    cache.set(issuer, 'bob', 'id-b');
    cache.delete(issuer, 'alice');

    expect(cache.get(issuer, 'alice')).toBeUndefined();
    expect(cache.get(issuer, 'bob')).toBe('id-b');
  });

  it('evicts the least recently stored identity', () => {
    const { cache } = cacheAt({ ttlMs: 100, maxEntries: 2 });
    cache.set(issuer, 'alice', 'id-a');
    cache.set(issuer, 'bob', 'id-b');
    // Storing alice again makes bob the oldest entry.
    cache.set(issuer, 'alice', 'id-a');
    cache.set(issuer, 'carol', 'id-c');

    expect(cache.get(issuer, 'alice')).toBe('id-a');
    expect(cache.get(issuer, 'bob')).toBeUndefined();
    expect(cache.get(issuer, 'carol')).toBe('id-c');
  });

  it('keeps identities apart that join to the same text', () => {
    const { cache } = cacheAt({ ttlMs: 100 });
    cache.set('a\n', 'b', 'id-1');

    expect(cache.get('a', '\nb')).toBeUndefined();
    expect(cache.get('a\n', 'b')).toBe('id-1');
  });

  it('rejects a size limit of 0', () => {
    expect(() => new UserIdCache({ ttlMs: 100, maxEntries: 0 })).toThrow(
      'maxEntries must be a positive integer, got 0',
    );
  });
});
