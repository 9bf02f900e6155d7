import { startOwnRedisServer, type OwnRedisServer } from '@palisade/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createStore } from './create-store.js';
import { StoreUnavailableError } from './key-value-store.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { StoreLogger } from './store-logger.js';

/** Collects log calls so tests can count them. */
function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const logger: StoreLogger = {
    info: (_fields, message) => lines.push({ level: 'info', message }),
    warn: (_fields, message) => lines.push({ level: 'warn', message }),
    error: (_fields, message) => lines.push({ level: 'error', message }),
  };
  return { logger, lines };
}

describe('RedisStore without a server', () => {
  // Port 9 (discard) on loopback: nothing listens there.
  const closedPortUrl = 'redis://127.0.0.1:9';

  it('fails an operation at once with StoreUnavailableError', async () => {
    const store = new RedisStore({ url: closedPortUrl });
    const started = Date.now();

    await expect(store.get('key')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    await store.close();
  });

  it('names the operation and the fix in the error', async () => {
    const store = new RedisStore({ url: closedPortUrl });

    await expect(store.set('key', 'v', 1000)).rejects.toThrow(
      'The key-value store did not complete SET; check that Redis is reachable',
    );
    await store.close();
  });

  it('logs the outage once however often it retries', async () => {
    const { logger, lines } = recordingLogger();
    const store = new RedisStore({ url: closedPortUrl, logger });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await store.close();

    expect(lines.filter((line) => line.message === 'redis connection failed')).toHaveLength(1);
  });

  it('still creates the store when Redis is down at start-up', async () => {
    const store = await createStore({ redisUrl: closedPortUrl, connectTimeoutMs: 200 });

    expect(store).toBeInstanceOf(RedisStore);
    await store.close();
  });
});

describe('createStore', () => {
  it('creates the in-memory store without a URL', async () => {
    const store = await createStore({});

    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });
});

describe('RedisStore across a server crash', () => {
  let server: OwnRedisServer;

  beforeAll(async () => {
    server = await startOwnRedisServer();
  });
  afterAll(() => server?.kill());

  it('fails while the server is down and recovers when it returns', async () => {
    const { logger, lines } = recordingLogger();
    const store = new RedisStore({ url: server.url, logger });
    expect(await store.waitUntilReady(5000)).toBe(true);
    await store.set('before', 'v', 60_000);

    await server.kill();
    await expect(store.get('before')).rejects.toBeInstanceOf(StoreUnavailableError);

    await server.restart();
    expect(await store.waitUntilReady(10_000)).toBe(true);
    // The restarted server has no persistence, so the old value is gone.
    expect(await store.get('before')).toBeUndefined();
    expect(lines.map((line) => line.message)).toEqual([
      'redis connection lost',
      'redis connection restored',
    ]);
    await store.close();
  });
});
