import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { ProblemError, problemKinds } from '../problem/problem.js';
import { principalOf } from './authenticate.js';

/** Role, from the access token's roles claim, that admin routes require. */
export const ADMIN_ROLE = 'admin';

/**
 * Creates a hook that rejects the request with 403 unless the authenticated caller has `role`. It must run after
 * the `authenticate` hook.
 */
export function requireRole(role: string): onRequestAsyncHookHandler {
  return function checkRole(request: FastifyRequest): Promise<void> {
    const { user } = principalOf(request);
    if (user.roles.includes(role)) return Promise.resolve();

    const detail = `This operation requires the ${role} role`;
    return Promise.reject(new ProblemError(problemKinds.forbidden, detail));
  };
}
