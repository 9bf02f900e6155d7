import {
  IdentityProviderUnavailableError,
  InvalidAccessTokenError,
  bearerTokenFromHeader,
  type VerifiedUser,
} from '@palisade/identity';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { decodeJwt } from 'jose';

import { ProblemError, problemKinds } from '../problem/problem.js';
import type { Principal } from './principal.js';

export type { Principal } from './principal.js';

/** Access token check, implemented by `AccessTokenVerifier` from `@palisade/identity`. */
export interface AccessTokenCheck {
  verify(token: string): Promise<VerifiedUser>;
}

/** Authenticates a request by its session cookie; absent when browser login is off. */
export interface SessionAuthentication {
  /** Returns the principal of the request's session, or undefined when it has no cookie. */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Caller set by the `authenticate` hook, absent on public routes. */
    principal?: Principal;
  }
}

/**
 * Creates the hook that authenticates the request by `Authorization: Bearer <token>` or, when
 * there is no Authorization header, by the session cookie. It runs on `onRequest`, before the
 * body is read, so an anonymous caller's input is never parsed. Failures end the request with
 * 401 (`WWW-Authenticate` per RFC 6750) or, when the identity provider cannot be reached to
 * fetch keys, 503.
 */
export function createAuthenticate(
  verifier: AccessTokenCheck,
  sessions?: SessionAuthentication,
): onRequestAsyncHookHandler {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (request.headers.authorization === undefined && sessions !== undefined) {
      const principal = await sessions.authenticate(request, reply);
      if (principal !== undefined) {
        request.principal = principal;
        return;
      }
    }

    const accessToken = bearerTokenFromHeader(request.headers.authorization);
    if (accessToken === undefined) {
      // RFC 6750 section 3.1: a request without credentials gets no error code.
      throw new ProblemError(
        problemKinds.unauthenticated,
        'Send an access token in the Authorization header (Bearer <token>) or sign in at /api/auth/login',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }

    const user = await verifyAccessToken(verifier, accessToken);
    request.principal = { user, accessToken, via: 'bearer', issuedAtMs: issuedAtMsOf(accessToken) };
  };
}

/**
 * Verifies an access token, turning verification errors into 401 or 503 problems.
 */
export async function verifyAccessToken(
  verifier: AccessTokenCheck,
  accessToken: string,
): Promise<VerifiedUser> {
  try {
    return await verifier.verify(accessToken);
  } catch (error) {
    throw problemOfVerificationError(error);
  }
}

/** Returns `iat` in milliseconds of a token whose signature was already verified. */
function issuedAtMsOf(accessToken: string): number {
  // The verifier requires `iat`; 0 would only make a user-wide revocation apply.
  const { iat } = decodeJwt(accessToken);
  return typeof iat === 'number' ? iat * 1000 : 0;
}

function problemOfVerificationError(error: unknown): unknown {
  if (error instanceof InvalidAccessTokenError) {
    const description =
      error.code === 'TOKEN_EXPIRED' ? 'The access token expired' : 'The access token is invalid';
    return new ProblemError(problemKinds.unauthenticated, error.message, {
      headers: {
        'www-authenticate': `Bearer error="invalid_token", error_description="${description}"`,
      },
      cause: error,
    });
  }
  if (error instanceof IdentityProviderUnavailableError) {
    return new ProblemError(
      problemKinds.identityProviderUnavailable,
      'The access token cannot be checked because the identity provider is unreachable; retry later',
      { cause: error },
    );
  }
  return error;
}

/** Returns the principal set by `authenticate`. A route without that hook is a programming error. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = request.principal;
  if (principal === undefined) {
    throw new Error(`Route ${request.routeOptions.url ?? request.url} has no authenticate hook`);
  }
  return principal;
}
