import { systemClock, type Clock } from './clock.js';
import type { KeyValueStore, SlidingWindowHit, SlidingWindowOutcome } from './key-value-store.js';

interface Entry {
  /** A string value, or the hit timestamps of a sliding-window log, oldest first. */
  readonly value: string | number[];
  readonly expiresAtMs: number;
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Clock for expiry, so tests can move time. Default: the system clock. */
  readonly clock?: Clock;
  /** Interval of the sweep that removes expired entries, in milliseconds. Default 60000. */
  readonly sweepIntervalMs?: number;
}

/**
 * The embedded key-value store: a map in this process with the same semantics as `RedisStore`.
 * JavaScript runs each method body without interleaving, so every operation is atomic here too.
 * Its state is per process, so limits, revocations and reservations are not shared between
 * replicas; use Redis for more than one process.
 */
export class MemoryStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  readonly #sweep: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#sweep = setInterval(() => this.#removeExpired(), options.sweepIntervalMs ?? 60_000);
    this.#sweep.unref();
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.#string(key));
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#put(key, value, ttlMs);
    return Promise.resolve();
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key) !== undefined) return Promise.resolve(false);
    this.#put(key, value, ttlMs);
    return Promise.resolve(true);
  }

  take(key: string): Promise<string | undefined> {
    const value = this.#string(key);
    this.#entries.delete(key);
    return Promise.resolve(value);
  }

  delete(key: string): Promise<void> {
    this.#entries.delete(key);
    return Promise.resolve();
  }

  deleteIfEqual(key: string, expected: string): Promise<boolean> {
    if (this.#string(key) !== expected) return Promise.resolve(false);
    this.#entries.delete(key);
    return Promise.resolve(true);
  }

  setIfGuard(
    key: string,
    value: string,
    ttlMs: number,
    guardKey: string,
    expectedGuard: string | undefined,
  ): Promise<boolean> {
    if (this.#string(guardKey) !== expectedGuard) return Promise.resolve(false);
    this.#put(key, value, ttlMs);
    return Promise.resolve(true);
  }

  raiseTo(key: string, value: number, ttlMs: number): Promise<number> {
    const current = Number(this.#string(key) ?? Number.NEGATIVE_INFINITY);
    if (current >= value) return Promise.resolve(current);
    this.#put(key, String(value), ttlMs);
    return Promise.resolve(value);
  }

  hitSlidingWindow(key: string, hit: SlidingWindowHit): Promise<SlidingWindowOutcome> {
    const entry = this.#live(key);
    const stored = entry !== undefined && Array.isArray(entry.value) ? entry.value : [];
    // A hit exactly one window old has left the window, as in the Redis script.
    const hits = stored.filter((time) => time > hit.nowMs - hit.windowMs);

    const allowed = hits.length < hit.limit;
    if (allowed) hits.push(hit.nowMs);
    const oldest = hits[0];
    const oldestExpiresInMs = oldest === undefined ? 0 : oldest + hit.windowMs - hit.nowMs;
    if (hits.length > 0) this.#put(key, hits, hit.windowMs);
    else this.#entries.delete(key);

    return Promise.resolve({ allowed, count: hits.length, oldestExpiresInMs });
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#entries.clear();
    return Promise.resolve();
  }

  #put(key: string, value: string | number[], ttlMs: number): void {
    this.#entries.set(key, { value, expiresAtMs: this.#clock() + ttlMs });
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > this.#clock()) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #string(key: string): string | undefined {
    const value = this.#live(key)?.value;
    return typeof value === 'string' ? value : undefined;
  }

  #removeExpired(): void {
    const now = this.#clock();
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAtMs <= now) this.#entries.delete(key);
    }
  }
}
