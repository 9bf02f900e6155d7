import { MemoryStore } from './memory-store.js';
import { RedisStore, type RedisStoreOptions } from './redis-store.js';
import type { StoreLogger } from './store-logger.js';
import type { KeyValueStore } from './key-value-store.js';

/** Options of {@link createStore}. */
export interface CreateStoreOptions {
  /** Redis URL; without one the store is the embedded in-memory store of this process. */
  readonly redisUrl?: string | undefined;
  /** Prefix of every Redis key. */
  readonly keyPrefix?: string;
  readonly logger?: StoreLogger;
  /** How long to wait for the first Redis connection, in milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Connection options and authentication hook used instead of the URL's; see RedisStore. */
  readonly connection?: RedisStoreOptions['connection'];
}

/**
 * Creates the key-value store a service uses: Redis when `redisUrl` is set, the in-memory store
 * otherwise. An unreachable Redis does not fail start-up, because the service decides per request
 * what a store failure means; the failure is logged.
 */
export async function createStore(options: CreateStoreOptions): Promise<KeyValueStore> {
  if (options.redisUrl === undefined) return new MemoryStore();

  const store = new RedisStore({
    url: options.redisUrl,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.connection === undefined ? {} : { connection: options.connection }),
  });
  await store.waitUntilReady(options.connectTimeoutMs ?? 2000);
  return store;
}
