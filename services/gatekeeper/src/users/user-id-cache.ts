/** Options of {@link UserIdCache}. */
export interface UserIdCacheOptions {
  /** Lifetime of an entry in milliseconds. 0 turns the cache off. */
  readonly ttlMs: number;
  /** Maximum number of identities kept; the oldest entry leaves first. Default 10,000. */
  readonly maxEntries?: number;
  /** Current time in milliseconds. Default `Date.now`. */
  readonly now?: () => number;
}

interface Entry {
  readonly userId: string;
  readonly expiresAt: number;
}

const defaultMaxEntries = 10_000;

/**
 * The user id of each identity (issuer and subject) that this process has looked up, so that a
 * profile read served from the profile cache needs no database statement before its audit
 * event. A user's id never changes and is never given to another user. An entry can only go
 * stale when its user is deleted, and a read through a stale entry finds no profile, so callers
 * forget the entry and look the identity up again.
 */
export class UserIdCache {
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: UserIdCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? defaultMaxEntries;
    this.#now = options.now ?? Date.now;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.#maxEntries}`);
    }
  }

  /** Returns the cached user id of an identity, or undefined when absent or expired. */
  get(issuer: string, subject: string): string | undefined {
    const key = keyOf(issuer, subject);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > this.#now()) return entry.userId;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers the user id of an identity until the TTL passes. */
  set(issuer: string, subject: string, userId: string): void {
    if (this.#ttlMs === 0) return;
    const key = keyOf(issuer, subject);
    // Deleting first moves the key to the end of the insertion order, the newest place.
    this.#entries.delete(key);
    this.#entries.set(key, { userId, expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.size <= this.#maxEntries) return;
    const oldest = this.#entries.keys().next().value;
    if (oldest !== undefined) this.#entries.delete(oldest);
  }

  /** Drops the entry of an identity. */
  delete(issuer: string, subject: string): void {
    this.#entries.delete(keyOf(issuer, subject));
  }
}

/** Encodes issuer and subject as a JSON array, so that no two identities share a key. */
function keyOf(issuer: string, subject: string): string {
  return JSON.stringify([issuer, subject]);
}
