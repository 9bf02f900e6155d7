/** Outcome of one hit on a sliding-window log. */
export interface SlidingWindowOutcome {
  /** Whether the hit fits the limit; rejected hits are not recorded. */
  readonly allowed: boolean;
  /** Hits recorded in the window after this one, at most the limit. */
  readonly count: number;
  /** Milliseconds until the oldest recorded hit leaves the window; 0 when none is recorded. */
  readonly oldestExpiresInMs: number;
}

/** Parameters of one sliding-window hit. */
export interface SlidingWindowHit {
  /** Current time, in milliseconds since the epoch, from the caller's clock. */
  readonly nowMs: number;
  readonly windowMs: number;
  readonly limit: number;
  /** Identifier of this hit, unique within the window, so equal timestamps stay distinct. */
  readonly member: string;
}

/**
 * The atomic operations that Palisade's Redis primitives are built on. Two implementations have
 * the same semantics: `RedisStore`, shared by every process that connects to one Redis, and
 * `MemoryStore`, private to one process. Every method either completes atomically or rejects
 * with {@link StoreUnavailableError}. Keys are plain strings; the store adds its own prefix.
 */
export interface KeyValueStore {
  /** Returns the value of `key`, or undefined when it is absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any value. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Stores `value` only when `key` is absent. Returns whether it stored. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Removes `key` and returns its value in one step, so only one caller gets it. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  /** Removes `key` only while its value is `expected`. Returns whether it removed it. */
  deleteIfEqual(key: string, expected: string): Promise<boolean>;
  /**
   * Stores `value` under `key` only when `guardKey` contains `expectedGuard` (undefined: absent).
   * Returns whether it stored. Used to keep a slow reader from caching data older than a write.
   */
  setIfGuard(
    key: string,
    value: string,
    ttlMs: number,
    guardKey: string,
    expectedGuard: string | undefined,
  ): Promise<boolean>;
  /**
   * Raises the integer under `key` to at least `value` and sets its lifetime to `ttlMs` when it
   * grew. Returns the stored integer, which never decreases while the key lives.
   */
  raiseTo(key: string, value: number, ttlMs: number): Promise<number>;
  /**
   * Records a hit in the sliding-window log under `key` when fewer than `limit` hits fall within
   * the last `windowMs` milliseconds; hits older than the window are dropped first.
   */
  hitSlidingWindow(key: string, hit: SlidingWindowHit): Promise<SlidingWindowOutcome>;
  /** Resolves when the store replies. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by every store operation that could not reach the store or timed out. */
export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(operation: string, options?: ErrorOptions) {
    super(
      `The key-value store did not complete ${operation}; check that Redis is reachable`,
      options,
    );
    this.name = 'StoreUnavailableError';
  }
}
