import type { VerifiedUser } from '@palisade/identity';

/** The authenticated caller of a request. */
export interface Principal {
  readonly user: VerifiedUser;
  /** The verified token, sent on to the gatekeeper, which verifies it again. */
  readonly accessToken: string;
  /** Source of the request's credentials: an Authorization header or the session cookie. */
  readonly via: 'bearer' | 'session';
  /**
   * Earliest time the credential can have been issued, in milliseconds since the epoch: the
   * token's `iat` for a bearer token, the login time for a session.
   */
  readonly issuedAtMs: number;
  /** The session id, when the request came with the session cookie. */
  readonly sessionId?: string;
}
