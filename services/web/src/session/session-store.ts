import { createHash, randomBytes } from 'node:crypto';

import type { KeyValueStore } from '@palisade/store';

/** A browser session: the user's tokens, kept server-side, and its lifetimes. */
export interface Session {
  readonly subject: string;
  /** Login time, in milliseconds since the epoch; user-wide revocations compare against it. */
  readonly createdAtMs: number;
  /** The session ends at this time whatever its activity. */
  readonly expiresAtMs: number;
  readonly accessToken: string;
  readonly accessTokenExpiresAtMs: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
}

/** Options of {@link SessionStore}. */
export interface SessionStoreOptions {
  /** A session ends after this long without a request, in milliseconds. */
  readonly idleTimeoutMs: number;
}

/**
 * Browser sessions in the key-value store. The store key is a SHA-256 of the session id, so a
 * copy of the store does not give away cookie values. Each save extends the idle lifetime, up to
 * the session's absolute expiry.
 */
export class SessionStore {
  constructor(
    private readonly store: KeyValueStore,
    private readonly options: SessionStoreOptions,
  ) {}

  /** Stores a new session under a fresh random id and returns the id for the cookie. */
  async create(session: Session): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.save(id, session);
    return id;
  }

  /** Returns the session, or undefined when it does not exist or has ended. */
  async find(id: string): Promise<Session | undefined> {
    const stored = await this.store.get(sessionKey(id));
    if (stored === undefined) return undefined;

    const session = JSON.parse(stored) as Session;
    return session.expiresAtMs > Date.now() ? session : undefined;
  }

  /** Replaces the session's record and extends its idle lifetime. */
  async save(id: string, session: Session): Promise<void> {
    const ttlMs = Math.min(this.options.idleTimeoutMs, session.expiresAtMs - Date.now());
    if (ttlMs <= 0) {
      await this.delete(id);
      return;
    }
    await this.store.set(sessionKey(id), JSON.stringify(session), ttlMs);
  }

  delete(id: string): Promise<void> {
    return this.store.delete(sessionKey(id));
  }
}

function sessionKey(id: string): string {
  return `session:${createHash('sha256').update(id).digest('base64url')}`;
}
