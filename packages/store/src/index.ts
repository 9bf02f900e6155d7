/**
 * Palisade's shared-state layer: one key-value store interface with a Redis implementation and
 * an in-memory one of the same semantics, and the primitives built on it (revocation list,
 * sliding-window rate limits, idempotency reservations, query cache with single-flight loading).
 */
export { systemClock, type Clock } from './clock.js';
export { createStore, type CreateStoreOptions } from './create-store.js';
export {
  StoreUnavailableError,
  type KeyValueStore,
  type SlidingWindowHit,
  type SlidingWindowOutcome,
} from './key-value-store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { silentLogger, type StoreLogger } from './store-logger.js';
export {
  QueryCache,
  type CacheCodec,
  type CacheLookup,
  type QueryCacheOptions,
} from './cache/query-cache.js';
export { SingleFlight } from './cache/single-flight.js';
export {
  IdempotencyKeyReusedError,
  IdempotencyRequestInProgressError,
} from './idempotency/idempotency-errors.js';
export {
  IDEMPOTENCY_KEY_TTL_MS,
  IdempotencyReservations,
  type IdempotencyReservationsOptions,
  type Replay,
  type Reservation,
} from './idempotency/idempotency-reservations.js';
export {
  SlidingWindowLimiter,
  type RateLimitDecision,
  type RateLimitPolicy,
} from './rate-limit/sliding-window-limiter.js';
export {
  RevocationList,
  type Credential,
  type RevocationListOptions,
  type RevocationReason,
} from './revocation/revocation-list.js';
