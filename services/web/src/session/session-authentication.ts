import { SingleFlight, StoreUnavailableError } from '@palisade/store';
import type { FastifyReply, FastifyRequest } from 'fastify';

import {
  verifyAccessToken,
  type AccessTokenCheck,
  type SessionAuthentication,
} from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import { ProblemError, problemKinds } from '../problem/problem.js';
import {
  IdentityProviderUnreachableError,
  LoginRejectedError,
  type OidcClient,
} from './oidc-client.js';
import { clearCookie, readCookie, type SessionCookies } from './session-cookies.js';
import type { Session, SessionStore } from './session-store.js';

/** Options of {@link CookieSessionAuthentication}. */
export interface CookieSessionOptions {
  readonly sessions: SessionStore;
  readonly cookies: SessionCookies;
  readonly verifier: AccessTokenCheck;
  /** Renews access tokens; without it a session ends when its access token expires. */
  readonly oidc?: OidcClient;
  /** Renew the access token when it expires within this many milliseconds. */
  readonly refreshMarginMs: number;
}

/**
 * Authenticates requests by the session cookie. The session's access token is renewed with its
 * refresh token shortly before it expires (once per session at a time in this process), then
 * verified like a bearer token, so a session never carries a token the API would reject.
 */
export class CookieSessionAuthentication implements SessionAuthentication {
  readonly #options: CookieSessionOptions;
  readonly #refreshes = new SingleFlight<Session>();

  constructor(options: CookieSessionOptions) {
    this.#options = options;
  }

  async authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const { cookies, verifier } = this.#options;
    const sessionId = readCookie(request, cookies.sessionName);
    if (sessionId === undefined) return undefined;

    const stored = await this.#find(sessionId);
    if (stored === undefined) {
      clearCookie(reply, cookies, cookies.sessionName);
      throw sessionEnded('The session has ended; sign in again at /api/auth/login');
    }

    const session = await this.#renewIfExpiring(request, reply, sessionId, stored);
    const user = await verifyAccessToken(verifier, session.accessToken);
    if (user.subject !== session.subject) {
      throw sessionEnded('The session token belongs to another user; sign in again');
    }
    return {
      user,
      accessToken: session.accessToken,
      via: 'session',
      issuedAtMs: session.createdAtMs,
      sessionId,
    };
  }

  async #find(sessionId: string): Promise<Session | undefined> {
    try {
      return await this.#options.sessions.find(sessionId);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async #renewIfExpiring(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    session: Session,
  ): Promise<Session> {
    const { oidc, refreshMarginMs, sessions } = this.#options;
    const expiring = session.accessTokenExpiresAtMs - Date.now() < refreshMarginMs;
    if (!expiring || oidc === undefined || session.refreshToken === undefined) {
      await this.#save(sessionId, session);
      return session;
    }

    try {
      return await this.#refreshes.run(sessionId, () => this.#refresh(oidc, sessionId, session));
    } catch (error) {
      if (error instanceof LoginRejectedError) {
        request.log.info({ reason: error.message }, 'session refresh rejected; session ended');
        await sessions.delete(sessionId).catch(() => undefined);
        clearCookie(reply, this.#options.cookies, this.#options.cookies.sessionName);
        throw sessionEnded('The session could not be renewed; sign in again at /api/auth/login');
      }
      if (
        error instanceof IdentityProviderUnreachableError &&
        session.accessTokenExpiresAtMs > Date.now()
      ) {
        // The current token is still valid, so the request goes ahead; the next one retries.
        request.log.warn({ err: error }, 'session refresh failed; using the current access token');
        return session;
      }
      throw error instanceof IdentityProviderUnreachableError
        ? new ProblemError(
            problemKinds.identityProviderUnavailable,
            'The session cannot be renewed because the identity provider is unreachable; retry later',
            { cause: error },
          )
        : error;
    }
  }

  async #refresh(oidc: OidcClient, sessionId: string, session: Session): Promise<Session> {
    const tokens = await oidc.refresh(session.refreshToken ?? '');
    const renewed: Session = {
      ...session,
      accessToken: tokens.accessToken,
      accessTokenExpiresAtMs: tokens.accessTokenExpiresAtMs,
      refreshToken: tokens.refreshToken ?? session.refreshToken,
    };
    await this.#save(sessionId, renewed);
    return renewed;
  }

  async #save(sessionId: string, session: Session): Promise<void> {
    try {
      await this.#options.sessions.save(sessionId, session);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}

function sessionEnded(detail: string): ProblemError {
  return new ProblemError(problemKinds.unauthenticated, detail, {
    headers: { 'www-authenticate': 'Bearer' },
  });
}

/** Runs a store operation, turning a store failure into the 503 problem. */
export async function withStore<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw storeUnavailable(error);
  }
}

/** Turns a store failure into a 503 problem; other errors pass through. */
export function storeUnavailable(error: unknown): unknown {
  if (!(error instanceof StoreUnavailableError)) return error;
  return new ProblemError(
    problemKinds.storeUnavailable,
    'The session store is unreachable, so the session cannot be checked; retry later',
    { cause: error },
  );
}
