import { MemoryStore } from '@palisade/store';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { createGatekeeperMetrics } from '../metrics/metrics-registry.js';
import type { ProfileRow } from '../users/user-store.js';
import { ProfileCache } from './profile-cache.js';

const userId = '0b9f3c2e-6d1a-4e8b-9c7f-2a5d8e1f4b36';

function profileRow(displayName: string): ProfileRow {
  return {
    user_id: userId,
    subject: 'alice',
    display_name: displayName,
    email: '',
    locale: '',
    metadata: {},
    created_at: new Date('2026-01-01T00:00:00Z'),
    updated_at: new Date('2026-01-01T00:00:00Z'),
  };
}

const stores: MemoryStore[] = [];

function cacheWithTtl(ttlMs: number): ProfileCache {
  const store = new MemoryStore();
  stores.push(store);
  return new ProfileCache(store, {
    ttlMs,
    metrics: createGatekeeperMetrics(),
    logger: pino({ level: 'silent' }),
  });
}

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

describe('ProfileCache', () => {
  it('serves the second read of a user from the cache', async () => {
    const cache = cacheWithTtl(60_000);
    let loads = 0;
    const load = () => Promise.resolve(profileRow(`load ${++loads}`));

    await cache.read('GetProfile', userId, load);
    const second = await cache.read('GetProfile', userId, load);

    expect(loads).toBe(1);
    expect(second?.display_name).toBe('load 1');
  });

  it('reads the database on every call when the TTL is 0', async () => {
    const cache = cacheWithTtl(0);
    let loads = 0;
    const load = () => Promise.resolve(profileRow(`load ${++loads}`));

    await cache.read('GetProfile', userId, load);
    const second = await cache.read('GetProfile', userId, load);

    expect(loads).toBe(2);
    expect(second?.display_name).toBe('load 2');
  });
});
