import { systemClock, type Clock } from '../clock.js';
import type { KeyValueStore } from '../key-value-store.js';

/** Options of {@link RevocationList}. */
export interface RevocationListOptions {
  /**
   * How long a user-wide revocation is kept, in milliseconds. It must outlive every token and
   * session issued before it, so at least the longest session lifetime.
   */
  readonly userRevocationTtlMs: number;
  /** Extra lifetime of a token revocation past the token's expiry, for clock skew. Default 60 s. */
  readonly tokenGraceMs?: number;
  readonly clock?: Clock;
}

/** A credential to check: an access token or a session, and when it was issued. */
export interface Credential {
  readonly subject: string;
  /** The access token's `jti`, when it has one. */
  readonly tokenId?: string;
  /**
   * Earliest time the credential can have been issued, in milliseconds since the epoch: `iat`
   * times 1000 for a token (whose `iat` has one-second precision), the creation time of a session.
   */
  readonly issuedAtMs: number;
}

/** Why a credential is revoked. */
export type RevocationReason = 'token' | 'user';

/**
 * The revocation list: access tokens revoked one by one (by `jti`, until they expire) and users
 * whose every credential issued before a point in time is revoked. JWT access tokens cannot be
 * revoked at the identity provider, so every request checks this list.
 */
export class RevocationList {
  readonly #store: KeyValueStore;
  readonly #clock: Clock;
  readonly #userTtlMs: number;
  readonly #tokenGraceMs: number;

  constructor(store: KeyValueStore, options: RevocationListOptions) {
    this.#store = store;
    this.#clock = options.clock ?? systemClock;
    this.#userTtlMs = options.userRevocationTtlMs;
    this.#tokenGraceMs = options.tokenGraceMs ?? 60_000;
  }

  /** Revokes one access token until it expires. A token already expired needs no entry. */
  async revokeToken(tokenId: string, expiresAt: Date): Promise<void> {
    const ttlMs = expiresAt.getTime() - this.#clock() + this.#tokenGraceMs;
    if (ttlMs <= 0) return;
    await this.#store.set(tokenKey(tokenId), '1', ttlMs);
  }

  /**
   * Revokes every credential of `subject` issued before now and returns that instant. A later
   * call never moves the instant back.
   */
  async revokeUser(subject: string): Promise<Date> {
    const revokedBeforeMs = await this.#store.raiseTo(
      userKey(subject),
      this.#clock(),
      this.#userTtlMs,
    );
    return new Date(revokedBeforeMs);
  }

  /** Returns why `credential` is revoked, or undefined when it is not. */
  async check(credential: Credential): Promise<RevocationReason | undefined> {
    const { tokenId } = credential;
    const [tokenRevoked, userRevokedBefore] = await Promise.all([
      tokenId === undefined ? undefined : this.#store.get(tokenKey(tokenId)),
      this.#store.get(userKey(credential.subject)),
    ]);

    if (tokenRevoked !== undefined) return 'token';
    if (userRevokedBefore !== undefined && credential.issuedAtMs < Number(userRevokedBefore)) {
      return 'user';
    }
    return undefined;
  }
}

function tokenKey(tokenId: string): string {
  return `revoked:token:${tokenId}`;
}

function userKey(subject: string): string {
  return `revoked:user:${subject}`;
}
