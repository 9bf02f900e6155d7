import type { onRequestAsyncHookHandler } from 'fastify';

import { createAuthenticate, type AccessTokenCheck } from './authenticate.js';
import { ADMIN_ROLE, requireRole } from './require-role.js';

/**
 * The access policies a route can state in its `onRequest` option, so each route declares who
 * may call it before anything else runs.
 */
export interface AccessPolicies {
  /** Anyone, without a token. */
  readonly public: onRequestAsyncHookHandler[];
  /** Any caller with a valid access token. */
  readonly authenticated: onRequestAsyncHookHandler[];
  /** Callers with a valid access token carrying the admin role. */
  readonly admin: onRequestAsyncHookHandler[];
}

/** Creates the access policies, all checking tokens with `verifier`. */
export function createAccessPolicies(verifier: AccessTokenCheck): AccessPolicies {
  const authenticate = createAuthenticate(verifier);
  return {
    public: [],
    authenticated: [authenticate],
    admin: [authenticate, requireRole(ADMIN_ROLE)],
  };
}
