import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { ProblemError, problemKinds } from '../problem/problem.js';
import { principalOf } from './authenticate.js';

/**
 * Header that cookie-authenticated writes must carry. A cross-site form cannot set a custom
 * header, and a cross-site script can only with a CORS preflight, which this API never grants.
 */
export const CSRF_HEADER = 'x-palisade-csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Creates the hook that defends cookie-authenticated unsafe requests against cross-site request
 * forgery: they need the {@link CSRF_HEADER} header, and an `Origin` (or, without one, a
 * `Sec-Fetch-Site`) that shows the request came from `publicOrigin`. Bearer-token requests are
 * not affected, because a browser never adds an Authorization header on its own. Runs after
 * `authenticate`.
 */
export function createCsrfCheck(publicOrigin: string): onRequestAsyncHookHandler {
  return function checkCsrf(request: FastifyRequest): Promise<void> {
    if (SAFE_METHODS.has(request.method) || principalOf(request).via !== 'session') {
      return Promise.resolve();
    }

    const problem = findCsrfProblem(request, publicOrigin);
    if (problem === undefined) return Promise.resolve();
    request.log.warn({ reason: problem }, 'cross-site request check failed');
    return Promise.reject(new ProblemError(problemKinds.forbidden, problem));
  };
}

function findCsrfProblem(request: FastifyRequest, publicOrigin: string): string | undefined {
  const marker = request.headers[CSRF_HEADER];
  if (typeof marker !== 'string' || marker === '') {
    return `Requests authenticated by the session cookie must send the ${CSRF_HEADER} header`;
  }

  const origin = request.headers.origin;
  if (origin !== undefined) {
    return origin === publicOrigin ? undefined : `Origin ${origin} may not use this session`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') {
    return `A ${String(site)} request may not use this session`;
  }
  return undefined;
}
