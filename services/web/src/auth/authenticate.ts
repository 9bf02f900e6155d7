import {
  IdentityProviderUnavailableError,
  InvalidAccessTokenError,
  bearerTokenFromHeader,
  type VerifiedUser,
} from '@palisade/identity';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { ProblemError, problemKinds } from '../problem/problem.js';

/** Access token check, implemented by `AccessTokenVerifier` from `@palisade/identity`. */
export interface AccessTokenCheck {
  verify(token: string): Promise<VerifiedUser>;
}

/** The authenticated caller of a request. */
export interface Principal {
  readonly user: VerifiedUser;
  /** The verified token, sent on to the gatekeeper, which verifies it again. */
  readonly accessToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Caller set by the `authenticate` hook, absent on public routes. */
    principal?: Principal;
  }
}

/**
 * Creates the hook that requires `Authorization: Bearer <token>` and verifies the token. It
 * runs on `onRequest`, before the body is read, so an anonymous caller's input is never parsed.
 * Failures end the request with 401 (`WWW-Authenticate` per RFC 6750) or, when the identity
 * provider cannot be reached to fetch keys, 503.
 */
export function createAuthenticate(verifier: AccessTokenCheck): onRequestAsyncHookHandler {
  return async function authenticate(request: FastifyRequest) {
    const accessToken = bearerTokenFromHeader(request.headers.authorization);
    if (accessToken === undefined) {
      // RFC 6750 section 3.1: a request without credentials gets no error code.
      throw new ProblemError(
        problemKinds.unauthenticated,
        'Send an access token in the Authorization header: Bearer <token>',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }

    try {
      const user = await verifier.verify(accessToken);
      request.principal = { user, accessToken };
    } catch (error) {
      throw problemOfVerificationError(error);
    }
  };
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
