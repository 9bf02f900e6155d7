import { Type } from 'typebox';

import { principalOf, verifyAccessToken } from '../auth/authenticate.js';
import type { Security } from '../auth/security.js';
import { ProblemError, problemKinds, problemResponse } from '../problem/problem.js';
import { LOGIN_STATE_TTL_MS } from '../session/login-states.js';
import {
  IdentityProviderUnreachableError,
  LoginRejectedError,
  OidcClient,
} from '../session/oidc-client.js';
import { sameOriginPath } from '../session/return-path.js';
import { storeUnavailable, withStore } from '../session/session-authentication.js';
import { clearCookie, cookieAttributes, readCookie } from '../session/session-cookies.js';
import type { Session } from '../session/session-store.js';
import type { RouteDependencies, TypedApp } from './route-context.js';

const loginQuerySchema = Type.Object(
  {
    returnTo: Type.Optional(
      Type.String({
        maxLength: 2048,
        description: 'Path on this site to return to after login, such as `/notebook`.',
      }),
    ),
  },
  { additionalProperties: false },
);

const sessionSchema = Type.Object(
  {
    subject: Type.String(),
    roles: Type.Array(Type.String()),
    authenticatedBy: Type.Union([Type.Literal('session'), Type.Literal('bearer')]),
    accessTokenExpiresAt: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/**
 * Registers browser login as a backend-for-frontend: the tokens stay in the session store and
 * the browser holds only an HttpOnly session cookie.
 */
export function registerAuthRoutes(
  app: TypedApp,
  deps: RouteDependencies,
  security: Security,
): void {
  app.get(
    '/api/auth/login',
    {
      onRequest: deps.policies.public,
      schema: {
        summary: 'Starts a browser login: redirects to the identity provider',
        tags: ['auth'],
        querystring: loginQuerySchema,
        response: {
          303: { description: 'Redirect to the identity provider.' },
          400: problemResponse('returnTo is not a path on this site.'),
          429: problemResponse('Too many login attempts from this address.'),
          501: problemResponse('Browser login is not configured.'),
          503: problemResponse('Identity provider or session store unavailable.'),
        },
      },
    },
    async (request, reply) => {
      const oidc = requireOidc(security);
      const returnTo = sameOriginPath(request.query.returnTo ?? '/', security.publicOrigin);
      if (returnTo === undefined) {
        const detail = 'returnTo must be a path on this site, such as /notebook';
        throw new ProblemError(problemKinds.validation, detail, {
          errors: [{ field: 'returnTo', message: detail }],
        });
      }

      const checks = OidcClient.createChecks();
      const authorizationUrl = await oidc.authorizationUrl(checks).catch(providerProblem);
      const loginId = await withStore(security.loginStates.begin({ ...checks, returnTo }));

      const maxAgeSeconds = LOGIN_STATE_TTL_MS / 1000;
      reply.setCookie(
        security.cookies.loginName,
        loginId,
        cookieAttributes(security.cookies, maxAgeSeconds),
      );
      return reply.redirect(authorizationUrl.href, 303);
    },
  );

  app.get(
    '/api/auth/callback',
    {
      onRequest: deps.policies.public,
      schema: {
        summary: 'Completes a browser login: the identity provider redirects here',
        tags: ['auth'],
        response: {
          303: { description: 'Signed in; redirect to the path given at login.' },
          400: problemResponse('No login in progress, or the response was rejected.'),
          429: problemResponse('Too many login attempts from this address.'),
          501: problemResponse('Browser login is not configured.'),
          503: problemResponse('Identity provider or session store unavailable.'),
        },
      },
    },
    async (request, reply) => {
      const oidc = requireOidc(security);
      const { cookies, loginStates, sessions } = security;
      const loginId = readCookie(request, cookies.loginName);
      clearCookie(reply, cookies, cookies.loginName);

      // Taking the state removes it, so a replayed callback finds nothing.
      const login = loginId === undefined ? undefined : await withStore(loginStates.take(loginId));
      if (login === undefined) {
        throw new ProblemError(
          problemKinds.badRequest,
          'No login is in progress in this browser, or it was already completed; start again at /api/auth/login',
        );
      }

      const callbackUrl = new URL(request.url, security.publicOrigin);
      const tokens = await oidc.exchangeCode(callbackUrl, login).catch((error: unknown) => {
        if (error instanceof LoginRejectedError) {
          request.log.warn({ reason: error.message }, 'login response rejected');
          throw new ProblemError(
            problemKinds.badRequest,
            'The login response was rejected; start again at /api/auth/login',
            { cause: error },
          );
        }
        return providerProblem(error);
      });
      const user = await verifyAccessToken(security.verifier, tokens.accessToken);
      if (tokens.subject !== user.subject) {
        throw new ProblemError(
          problemKinds.badRequest,
          'The ID token and the access token name different users',
        );
      }

      // A session id set before login is never adopted: it is dropped and a new one issued.
      const previousId = readCookie(request, cookies.sessionName);
      const now = Date.now();
      const session: Session = {
        subject: user.subject,
        createdAtMs: now,
        expiresAtMs: now + security.sessionMaxAgeMs,
        accessToken: tokens.accessToken,
        accessTokenExpiresAtMs: Math.min(tokens.accessTokenExpiresAtMs, user.expiresAt.getTime()),
        ...(tokens.refreshToken === undefined ? {} : { refreshToken: tokens.refreshToken }),
        ...(tokens.idToken === undefined ? {} : { idToken: tokens.idToken }),
      };
      const [, sessionId] = await withStore(
        Promise.all([
          previousId === undefined ? undefined : sessions.delete(previousId),
          sessions.create(session),
        ]),
      );

      const maxAgeSeconds = Math.floor(security.sessionMaxAgeMs / 1000);
      reply.setCookie(cookies.sessionName, sessionId, cookieAttributes(cookies, maxAgeSeconds));
      request.log.info({ subject: user.subject }, 'user signed in');
      return reply.redirect(login.returnTo, 303);
    },
  );

  app.post(
    '/api/auth/logout',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: 'Signs out: revokes the session or the bearer token at once',
        tags: ['auth'],
        response: {
          204: { description: 'Signed out.' },
          401: problemResponse('Missing, invalid or revoked credentials.'),
          403: problemResponse('A cookie-authenticated request failed the cross-site checks.'),
          503: problemResponse('Session store unavailable.'),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { cookies, revocations, sessions } = security;
      try {
        if (principal.sessionId !== undefined) {
          const session = await sessions.find(principal.sessionId);
          await sessions.delete(principal.sessionId);
          clearCookie(reply, cookies, cookies.sessionName);
          await revokeRefreshToken(security, session, request.log);
        }
        const { tokenId, expiresAt } = principal.user;
        if (tokenId !== undefined) await revocations.revokeToken(tokenId, expiresAt);
      } catch (error) {
        throw storeUnavailable(error);
      }

      request.log.info({ subject: principal.user.subject, via: principal.via }, 'user signed out');
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/session',
    {
      onRequest: deps.policies.authenticated,
      schema: {
        summary: 'Returns who the caller is signed in as',
        tags: ['auth'],
        response: {
          200: sessionSchema,
          401: problemResponse('Not signed in, or the session ended or was revoked.'),
          503: problemResponse('Session store or identity provider unavailable.'),
        },
      },
    },
    (request) => {
      const { user, via } = principalOf(request);
      return {
        subject: user.subject,
        roles: [...user.roles],
        authenticatedBy: via,
        accessTokenExpiresAt: user.expiresAt.toISOString(),
      };
    },
  );
}

function requireOidc(security: Security): OidcClient {
  if (security.oidc !== undefined) return security.oidc;
  throw new ProblemError(
    problemKinds.notImplemented,
    'Browser login is not configured: set WEB_OIDC_CLIENT_SECRET_FILE; bearer tokens still work',
  );
}

function providerProblem(error: unknown): never {
  if (error instanceof IdentityProviderUnreachableError) {
    throw new ProblemError(
      problemKinds.identityProviderUnavailable,
      'The identity provider is unreachable, so the login cannot continue; retry later',
      { cause: error },
    );
  }
  throw error;
}

/** Revokes the session's refresh token at the provider; a failure is logged, not raised. */
async function revokeRefreshToken(
  security: Security,
  session: Session | undefined,
  log: { warn(fields: object, message: string): void },
): Promise<void> {
  if (session?.refreshToken === undefined || security.oidc === undefined) return;
  try {
    await security.oidc.revoke(session.refreshToken);
  } catch (error) {
    log.warn({ err: error }, 'refresh token revocation at the identity provider failed');
  }
}
