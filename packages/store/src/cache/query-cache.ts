import { randomUUID } from 'node:crypto';

import type { KeyValueStore } from '../key-value-store.js';
import { silentLogger, type StoreLogger } from '../store-logger.js';
import { SingleFlight } from './single-flight.js';

/** Turns a cached value into a string and back. */
export interface CacheCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
}

/** Options of {@link QueryCache}. */
export interface QueryCacheOptions<T> {
  /** Key prefix of this cache, such as `profile`. */
  readonly namespace: string;
  readonly codec: CacheCodec<T>;
  /** Lifetime of a cached value, in milliseconds; it bounds staleness when an invalidation fails. */
  readonly ttlMs: number;
  readonly logger?: StoreLogger;
}

/** A value and where it came from. */
export interface CacheLookup<T> {
  readonly value: T | undefined;
  /** True when the value came from the cache, false when `load` ran. */
  readonly hit: boolean;
}

/** Generations outlive every read that could still be in flight by a wide margin. */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Cache-aside for query results, one entry per key. A write calls {@link invalidate} after its
 * commit, which deletes the entry and replaces the key's generation token. A reader stores what
 * it loaded only while the generation it saw before loading is unchanged, so a slow reader that
 * loaded before the write cannot put stale data back. Store failures never fail a read: the value
 * is then loaded and not cached.
 */
export class QueryCache<T> {
  readonly #store: KeyValueStore;
  readonly #options: QueryCacheOptions<T>;
  readonly #logger: StoreLogger;
  readonly #loads = new SingleFlight<T | undefined>();

  constructor(store: KeyValueStore, options: QueryCacheOptions<T>) {
    this.#store = store;
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /**
   * Returns the cached value of `key`, or runs `load` (once for all concurrent callers in this
   * process) and caches a defined result.
   */
  async get(key: string, load: () => Promise<T | undefined>): Promise<CacheLookup<T>> {
    const cached = await this.#read(key);
    if (cached !== undefined) return { value: cached, hit: true };

    const value = await this.#loads.run(key, () => this.#loadAndStore(key, load));
    return { value, hit: false };
  }

  /**
   * Removes `key` and starts a new generation, so no load that began before this call stores
   * its result. Call it after the write's transaction has committed.
   *
   * @throws {StoreUnavailableError} when the store cannot be reached; the entry then expires
   * after the cache's TTL at the latest.
   */
  async invalidate(key: string): Promise<void> {
    this.#loads.forget(key);
    await this.#store.set(this.#generationKey(key), randomUUID(), GENERATION_TTL_MS);
    await this.#store.delete(this.#valueKey(key));
  }

  async #read(key: string): Promise<T | undefined> {
    try {
      const text = await this.#store.get(this.#valueKey(key));
      return text === undefined ? undefined : this.#options.codec.decode(text);
    } catch (error) {
      this.#logger.warn({ err: error, cache: this.#options.namespace }, 'cache read failed');
      return undefined;
    }
  }

  async #loadAndStore(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    let generation: string | undefined;
    try {
      generation = await this.#store.get(this.#generationKey(key));
    } catch (error) {
      this.#logger.warn({ err: error, cache: this.#options.namespace }, 'cache read failed');
      return load();
    }

    const value = await load();
    if (value === undefined) return value;
    try {
      await this.#store.setIfGuard(
        this.#valueKey(key),
        this.#options.codec.encode(value),
        this.#options.ttlMs,
        this.#generationKey(key),
        generation,
      );
    } catch (error) {
      this.#logger.warn({ err: error, cache: this.#options.namespace }, 'cache write failed');
    }
    return value;
  }

  #valueKey(key: string): string {
    return `cache:${this.#options.namespace}:${key}`;
  }

  #generationKey(key: string): string {
    return `cache:${this.#options.namespace}:${key}:generation`;
  }
}
