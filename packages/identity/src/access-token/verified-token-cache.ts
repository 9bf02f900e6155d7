import { createHash } from 'node:crypto';

import type { FlattenedJWSInput, JWTHeaderParameters, JWTVerifyGetKey } from 'jose';

/** The key object a key resolver returns, compared by identity on a cache hit. */
type SigningKey = Awaited<ReturnType<JWTVerifyGetKey>>;

/** A token that passed every check, as {@link VerifiedTokenCache.store} takes it. */
export interface VerifiedToken<T> {
  /** Value that a hit returns. */
  readonly value: T;
  readonly protectedHeader: JWTHeaderParameters;
  /** The key the signature was checked with, as the key resolver returned it. */
  readonly signingKey: SigningKey;
  /** `exp` claim, in epoch seconds. */
  readonly expiresAt: number;
  /** `nbf` claim, in epoch seconds, when present. */
  readonly notBefore?: number | undefined;
}

/** Counters of a {@link VerifiedTokenCache}. */
export interface VerifiedTokenCacheStatistics {
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

/**
 * Remembers access tokens that passed full verification, so that a token sent again skips the
 * signature check. A hit is returned only when the uncached path would accept the token at that
 * moment:
 *
 * - The `exp` and `nbf` checks run again with the clock tolerance and whole-second arithmetic
 *   of jose 6's `jwtVerify`. A token therefore leaves the cache exactly when it would fail
 *   verification, and a wall clock set back before `nbf` rejects it again.
 * - The key set resolver runs again for the token's header, as it does on the uncached path, so
 *   a stale key set is fetched again and a `kid` removed from it fails. The resolver must return
 *   the same key object that checked the signature. jose's remote key set creates new key objects
 *   on every fetch, so any fetch of the key set sends each cached token through full verification
 *   once more.
 *
 * Entries are keyed by the SHA-256 digest of the exact token string, so the cache contains no
 * bearer token. The oldest entry is evicted when `maxEntries` is reached. Only the token's own
 * validity is cached: revocation must be checked by the caller on every request.
 */
export class VerifiedTokenCache<T> {
  readonly #maxEntries: number;
  readonly #toleranceSeconds: number;
  readonly #entries = new Map<string, VerifiedToken<T>>();
  #hits = 0;
  #misses = 0;

  constructor(options: { maxEntries: number; clockToleranceSeconds: number }) {
    this.#maxEntries = options.maxEntries;
    this.#toleranceSeconds = options.clockToleranceSeconds;
  }

  /**
   * Returns the value stored for `token` when the token is still valid by the rules above, else
   * undefined (the entry is then dropped and the caller verifies the token in full).
   *
   * @throws what `keyResolver` throws, such as a failed key set fetch, after dropping the entry.
   */
  async lookup(token: string, keyResolver: JWTVerifyGetKey): Promise<T | undefined> {
    if (this.#maxEntries === 0) return undefined;
    const digest = digestOf(token);
    const entry = this.#entries.get(digest);
    if (entry === undefined || !this.#isWithinValidity(entry)) {
      this.#drop(digest);
      return undefined;
    }

    let key: SigningKey;
    try {
      // Compact tokens have no unprotected header, and the key set reads only the headers.
      key = await keyResolver(entry.protectedHeader, emptyFlattenedInput);
    } catch (error) {
      this.#drop(digest);
      throw error;
    }
    if (key !== entry.signingKey) {
      this.#drop(digest);
      return undefined;
    }
    this.#hits += 1;
    return entry.value;
  }

  /** Remembers a token that has just passed full verification. */
  store(token: string, verified: VerifiedToken<T>): void {
    if (this.#maxEntries === 0) return;
    const digest = digestOf(token);
    this.#entries.delete(digest);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(digest, verified);
  }

  statistics(): VerifiedTokenCacheStatistics {
    return { size: this.#entries.size, hits: this.#hits, misses: this.#misses };
  }

  #isWithinValidity(entry: VerifiedToken<T>): boolean {
    const now = Math.floor(Date.now() / 1000);
    if (entry.expiresAt <= now - this.#toleranceSeconds) return false;
    return entry.notBefore === undefined || entry.notBefore <= now + this.#toleranceSeconds;
  }

  #drop(digest: string): void {
    this.#misses += 1;
    this.#entries.delete(digest);
  }
}

const emptyFlattenedInput: FlattenedJWSInput = { payload: '', signature: '' };

function digestOf(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
