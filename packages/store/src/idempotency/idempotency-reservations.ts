import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { systemClock, type Clock } from '../clock.js';
import type { KeyValueStore } from '../key-value-store.js';
import {
  IdempotencyKeyReusedError,
  IdempotencyRequestInProgressError,
} from './idempotency-errors.js';

/** Default lifetime of a completed key: 24 hours, after which the key may be used again. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** Options of {@link IdempotencyReservations}. */
export interface IdempotencyReservationsOptions {
  /** Lifetime of a completed entry, in milliseconds. Default 24 hours. */
  readonly ttlMs?: number;
  /**
   * Lifetime of a reservation whose request has not finished, in milliseconds. Default 60 s.
   * It bounds how long a crashed request blocks its key.
   */
  readonly pendingTtlMs?: number;
  readonly clock?: Clock;
}

/** The caller owns the key: run the write, then complete or release the reservation. */
export interface Reservation {
  readonly kind: 'reserved';
  /** Stores the response for replays; the entry then lives for the key's full lifetime. */
  complete(response: string): Promise<void>;
  /** Frees the key after a failed write, so a retry with the same key runs again. */
  release(): Promise<void>;
}

/** The key completed before: send this response again and write nothing. */
export interface Replay {
  readonly kind: 'replay';
  readonly response: string;
}

type Entry =
  | { readonly state: 'pending'; readonly hash: string; readonly owner: string }
  | { readonly state: 'done'; readonly hash: string; readonly response: string };

const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 100;

/**
 * Idempotency keys reserved in the store before a write. The first request with a key reserves
 * it, and a duplicate that arrives while it runs waits for its response. A later one gets the
 * stored response, and the same key with another request hash is rejected.
 */
export class IdempotencyReservations {
  readonly #store: KeyValueStore;
  readonly #ttlMs: number;
  readonly #pendingTtlMs: number;
  readonly #clock: Clock;

  constructor(store: KeyValueStore, options: IdempotencyReservationsOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? IDEMPOTENCY_KEY_TTL_MS;
    this.#pendingTtlMs = options.pendingTtlMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Reserves `key` within `scope` (the caller) for the request with `requestHash`, or returns the
   * response of the request that used it first. Waits for a duplicate in progress until
   * `waitUntil`.
   *
   * @throws {IdempotencyKeyReusedError} when the key was used with another request hash.
   * @throws {IdempotencyRequestInProgressError} when a duplicate still runs at `waitUntil`.
   * @throws {StoreUnavailableError} when the store cannot be reached.
   */
  async reserve(
    scope: string,
    key: string,
    requestHash: string,
    waitUntil: Date,
  ): Promise<Reservation | Replay> {
    const storeKey = `idempotency:${scope}:${key}`;
    const pending = JSON.stringify({ state: 'pending', hash: requestHash, owner: randomUUID() });

    for (let pollMs = FIRST_POLL_MS; ; pollMs = Math.min(pollMs * 2, MAX_POLL_MS)) {
      if (await this.#store.setIfAbsent(storeKey, pending, this.#pendingTtlMs)) {
        return this.#reservation(storeKey, pending, requestHash);
      }

      const stored = await this.#store.get(storeKey);
      // The entry expired or was released since the failed reservation: try again at once.
      if (stored === undefined) continue;
      const entry = JSON.parse(stored) as Entry;
      if (entry.hash !== requestHash) throw new IdempotencyKeyReusedError();
      if (entry.state === 'done') return { kind: 'replay', response: entry.response };

      if (this.#clock() + pollMs > waitUntil.getTime()) {
        throw new IdempotencyRequestInProgressError();
      }
      await sleep(pollMs);
    }
  }

  /** Removes the entry of `key` within `scope`, so the key can be reserved again at once. */
  async forget(scope: string, key: string): Promise<void> {
    await this.#store.delete(`idempotency:${scope}:${key}`);
  }

  #reservation(storeKey: string, pending: string, requestHash: string): Reservation {
    return {
      kind: 'reserved',
      complete: (response) => {
        const done: Entry = { state: 'done', hash: requestHash, response };
        return this.#store.set(storeKey, JSON.stringify(done), this.#ttlMs);
      },
      release: async () => {
        await this.#store.deleteIfEqual(storeKey, pending);
      },
    };
  }
}
