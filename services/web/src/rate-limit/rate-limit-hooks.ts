import type { SlidingWindowLimiter } from '@palisade/store';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import { principalOf } from '../auth/authenticate.js';
import { ProblemError, problemKinds } from '../problem/problem.js';
import { addRateLimitHeaders, retryAfterSeconds } from './rate-limit-headers.js';

/** The limiters of the web tier. */
export interface RateLimiters {
  /** Every request of one client address, except the health probes and the login routes. */
  readonly perAddress: SlidingWindowLimiter;
  /** Every request of one authenticated user. */
  readonly perUser: SlidingWindowLimiter;
  /** The login routes, per client address: a smaller budget against password guessing. */
  readonly login: SlidingWindowLimiter;
}

/** Called with the policy name each time a limit turns a request away. */
export type RejectionListener = (policy: string) => void;

const LOGIN_PATHS = new Set(['/api/auth/login', '/api/auth/callback']);
const EXEMPT_PATHS = new Set(['/api/healthz', '/api/readyz']);

/**
 * Creates the hook, run on every request before authentication, that limits each client
 * address. The address is `request.ip`, which Fastify takes from X-Forwarded-For only when the
 * TCP peer is a trusted proxy (WEB_TRUSTED_PROXIES).
 */
export function createAddressRateLimit(
  limiters: RateLimiters,
  onRejected?: RejectionListener,
): onRequestAsyncHookHandler {
  return async function limitAddress(request: FastifyRequest, reply: FastifyReply) {
    // The matched route, not the raw URL: a percent-encoded path such as /api/auth/%6cogin
    // reaches the same handler and must draw from the same budget.
    const path = request.routeOptions.url ?? '';
    if (EXEMPT_PATHS.has(path)) return;

    const limiter = LOGIN_PATHS.has(path) ? limiters.login : limiters.perAddress;
    await applyLimit(limiter, request.ip, request, reply, onRejected);
  };
}

/** Creates the hook, run after `authenticate`, that limits each authenticated user. */
export function createUserRateLimit(
  limiter: SlidingWindowLimiter,
  onRejected?: RejectionListener,
): onRequestAsyncHookHandler {
  return async function limitUser(request: FastifyRequest, reply: FastifyReply) {
    await applyLimit(limiter, principalOf(request).user.subject, request, reply, onRejected);
  };
}

async function applyLimit(
  limiter: SlidingWindowLimiter,
  key: string,
  request: FastifyRequest,
  reply: FastifyReply,
  onRejected: RejectionListener | undefined,
): Promise<void> {
  let decision;
  try {
    decision = await limiter.hit(key);
  } catch (error) {
    // Throttling protects capacity, not access, so a store outage admits the request.
    request.log.warn(
      { err: error, policy: limiter.policy.name },
      'rate limit check failed; request admitted',
    );
    return;
  }

  addRateLimitHeaders(reply, decision);
  if (decision.allowed) return;

  onRejected?.(decision.policy.name);
  const retryAfter = retryAfterSeconds(decision);
  throw new ProblemError(
    problemKinds.rateLimited,
    `Rate limit ${decision.policy.name} exceeded; retry after ${retryAfter} seconds`,
    { headers: { 'retry-after': String(retryAfter) } },
  );
}
