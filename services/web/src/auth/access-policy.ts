import type { onRequestAsyncHookHandler } from 'fastify';

import {
  createAuthenticate,
  type AccessTokenCheck,
  type SessionAuthentication,
} from './authenticate.js';
import { ADMIN_ROLE, requireRole } from './require-role.js';

/**
 * The access policies a route can state in its `onRequest` option, so each route declares who
 * may call it before anything else runs.
 */
export interface AccessPolicies {
  /** Anyone, without a token. */
  readonly public: onRequestAsyncHookHandler[];
  /** Any caller with a valid, unrevoked access token or session. */
  readonly authenticated: onRequestAsyncHookHandler[];
  /** Authenticated callers carrying the admin role. */
  readonly admin: onRequestAsyncHookHandler[];
}

/** The checks the policies are made of. */
export interface AccessPolicyOptions {
  readonly verifier: AccessTokenCheck;
  /** Cookie sessions; without them only bearer tokens authenticate. */
  readonly sessions?: SessionAuthentication;
  /** Runs after authentication: rejects revoked tokens and sessions. */
  readonly checkRevocation: onRequestAsyncHookHandler;
  /** Runs after authentication: cross-site request checks for cookie-authenticated writes. */
  readonly checkCsrf: onRequestAsyncHookHandler;
  /** Runs after authentication: the per-user rate limit. */
  readonly limitUser: onRequestAsyncHookHandler;
}

/**
 * Creates the access policies. An authenticated request is checked in this order: credentials,
 * revocation, cross-site request checks, the per-user rate limit, then any role.
 */
export function createAccessPolicies(options: AccessPolicyOptions): AccessPolicies {
  const authenticated = [
    createAuthenticate(options.verifier, options.sessions),
    options.checkRevocation,
    options.checkCsrf,
    options.limitUser,
  ];
  return {
    public: [],
    authenticated,
    admin: [...authenticated, requireRole(ADMIN_ROLE)],
  };
}
