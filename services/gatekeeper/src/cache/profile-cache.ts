import { QueryCache, type CacheCodec, type KeyValueStore } from '@palisade/store';
import type { Logger } from 'pino';

import type { GatekeeperMetrics } from '../metrics/metrics-registry.js';
import type { ProfileRow } from '../users/user-store.js';

/** Business functions whose profile reads go through the cache, as metric labels. */
export type CachedFunction = 'GetProfile' | 'EnsureUser';

/** Options of {@link ProfileCache}. */
export interface ProfileCacheOptions {
  /** Lifetime of a cached profile, in milliseconds. */
  readonly ttlMs: number;
  readonly metrics: GatekeeperMetrics;
  readonly logger: Logger;
}

/** JSON of a profile row; the two timestamps travel as ISO strings. */
const profileRowCodec: CacheCodec<ProfileRow> = {
  encode: (row) => JSON.stringify(row),
  decode: (text) => {
    const row = JSON.parse(text) as ProfileRow & { created_at: string; updated_at: string };
    return { ...row, created_at: new Date(row.created_at), updated_at: new Date(row.updated_at) };
  },
};

/**
 * Cache-aside for profile rows, keyed by user id, so one user's entry is never served to
 * another. Only the row is cached: each business function still runs its transaction and writes
 * its audit event on a hit. Writers call {@link invalidate} after their commit.
 */
export class ProfileCache {
  readonly #cache: QueryCache<ProfileRow>;
  readonly #metrics: GatekeeperMetrics;
  readonly #logger: Logger;
  readonly #ttlMs: number;
  /** Users whose invalidation failed, with the time their possibly stale entry expires. */
  readonly #bypassUntil = new Map<string, number>();

  constructor(store: KeyValueStore, options: ProfileCacheOptions) {
    this.#cache = new QueryCache(store, {
      namespace: 'profile',
      codec: profileRowCodec,
      ttlMs: options.ttlMs,
      logger: options.logger,
    });
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#ttlMs = options.ttlMs;
  }

  /** Returns the profile row of `userId` from the cache, or from `load` on a miss. */
  async read(
    functionName: CachedFunction,
    userId: string,
    load: () => Promise<ProfileRow | undefined>,
  ): Promise<ProfileRow | undefined> {
    // A TTL of 0 turns the cache off: every read goes to the database.
    if (this.#ttlMs === 0 || this.#bypassed(userId)) {
      this.#metrics.cacheMisses.inc({ function: functionName });
      return load();
    }

    const { value, hit } = await this.#cache.get(userId, load);
    if (hit && value?.user_id !== userId) {
      // A cached row always belongs to its key; anything else is dropped, never served.
      this.#logger.error(
        { userId },
        'cached profile belongs to another user; reading the database',
      );
      this.#metrics.cacheMisses.inc({ function: functionName });
      return load();
    }

    const counter = hit ? this.#metrics.cacheHits : this.#metrics.cacheMisses;
    counter.inc({ function: functionName });
    return value;
  }

  /**
   * Drops the cached row of `userId` after a committed write. A failure is logged and not
   * raised, because the write has committed. This process then reads that user from the database
   * until the entry's TTL has passed.
   *
   * NOTE: other gatekeeper processes may serve the stale entry until its TTL ends when Redis
   * fails exactly during an invalidation; keep GATEKEEPER_CACHE_TTL_SECONDS short. After a
   * deletion, a process whose id cache still contains the user serves that entry to the user's own
   * reads too, and a read may join a load that started before the deletion committed.
   */
  async invalidate(userId: string): Promise<void> {
    try {
      await this.#cache.invalidate(userId);
    } catch (error) {
      this.#bypassUntil.set(userId, Date.now() + this.#ttlMs);
      this.#logger.error({ err: error, userId }, 'profile cache invalidation failed');
    }
  }

  #bypassed(userId: string): boolean {
    const until = this.#bypassUntil.get(userId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.#bypassUntil.delete(userId);
    return false;
  }
}
