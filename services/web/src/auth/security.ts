import {
  MemoryStore,
  RevocationList,
  SlidingWindowLimiter,
  type Clock,
  type KeyValueStore,
} from '@palisade/store';
import type { onRequestAsyncHookHandler } from 'fastify';

import { readIdempotencyKey } from '../http/idempotency-key.js';
import {
  createAddressRateLimit,
  createUserRateLimit,
  type RateLimiters,
  type RejectionListener,
} from '../rate-limit/rate-limit-hooks.js';
import { createRevocationCheck, type RevocationFailMode } from '../revocation/revocation-check.js';
import { LoginStates } from '../session/login-states.js';
import type { OidcClient } from '../session/oidc-client.js';
import { CookieSessionAuthentication } from '../session/session-authentication.js';
import { sessionCookiesFor, type SessionCookies } from '../session/session-cookies.js';
import { SessionStore } from '../session/session-store.js';
import { createAccessPolicies, type AccessPolicies } from './access-policy.js';
import type { AccessTokenCheck } from './authenticate.js';
import { createCsrfCheck } from './csrf-check.js';

/** Settings of sessions, revocation and rate limits; every one has a default. */
export interface SecurityOptions {
  /** Store of sessions, revocations and rate limits. Default: a new in-memory store. */
  readonly store?: KeyValueStore;
  readonly revocations?: RevocationList;
  readonly rateLimiters?: RateLimiters;
  /** Default `closed`: requests fail with 503 while the revocation list is unreachable. */
  readonly revocationFailMode?: RevocationFailMode;
  /** Proxies whose X-Forwarded-For names the client. Default: none. */
  readonly trustedProxies?: readonly string[];
  /** Origin browsers use for this API. Default `http://127.0.0.1:3000`. */
  readonly publicOrigin?: string;
  /** Turns browser login on. */
  readonly oidc?: OidcClient;
  /** Idle timeout of a session, in milliseconds. Default 30 minutes. */
  readonly sessionIdleMs?: number;
  /** Absolute lifetime of a session, in milliseconds. Default 8 hours. */
  readonly sessionMaxAgeMs?: number;
  /** Renew a session's access token this long before it expires, in milliseconds. Default 60 s. */
  readonly refreshMarginMs?: number;
  /** Called with the policy name of each request that a rate limit rejects. */
  readonly onRateLimited?: RejectionListener;
}

/** The assembled security layer that routes and hooks use. */
export interface Security {
  readonly verifier: AccessTokenCheck;
  readonly store: KeyValueStore;
  /** True when the store was created here and must be closed with the app. */
  readonly ownsStore: boolean;
  readonly policies: AccessPolicies;
  readonly revocations: RevocationList;
  readonly sessions: SessionStore;
  readonly loginStates: LoginStates;
  readonly cookies: SessionCookies;
  readonly publicOrigin: string;
  readonly oidc: OidcClient | undefined;
  readonly sessionMaxAgeMs: number;
  /** Hooks for every request, before routing: address rate limit, Idempotency-Key. */
  readonly requestHooks: readonly onRequestAsyncHookHandler[];
}

const MINUTE_MS = 60_000;
/** Lifetime of a user-wide revocation: longer than any session (30 days at most) lives. */
const USER_REVOCATION_TTL_MS = 31 * 24 * 60 * MINUTE_MS;

/** Default limits of {@link createRateLimiters}, per sliding window. */
export interface RateLimitSettings {
  readonly windowMs: number;
  readonly perUser: number;
  readonly perAddress: number;
  readonly loginWindowMs: number;
  readonly loginPerAddress: number;
}

/** Creates the three limiters on one store. */
export function createRateLimiters(
  store: KeyValueStore,
  settings: RateLimitSettings,
  clock?: Clock,
): RateLimiters {
  const options = clock === undefined ? {} : { clock };
  const { windowMs, loginWindowMs } = settings;
  return {
    perAddress: new SlidingWindowLimiter(
      store,
      { name: 'per-address', limit: settings.perAddress, windowMs },
      options,
    ),
    perUser: new SlidingWindowLimiter(
      store,
      { name: 'per-user', limit: settings.perUser, windowMs },
      options,
    ),
    login: new SlidingWindowLimiter(
      store,
      { name: 'login', limit: settings.loginPerAddress, windowMs: loginWindowMs },
      options,
    ),
  };
}

/** Assembles the security layer from `options`, filling each default. */
export function createSecurity(
  verifier: AccessTokenCheck,
  options: SecurityOptions = {},
): Security {
  const store = options.store ?? new MemoryStore();
  const publicOrigin = options.publicOrigin ?? 'http://127.0.0.1:3000';
  const revocations =
    options.revocations ??
    new RevocationList(store, { userRevocationTtlMs: USER_REVOCATION_TTL_MS });
  const rateLimiters =
    options.rateLimiters ??
    createRateLimiters(store, {
      windowMs: MINUTE_MS,
      perUser: 300,
      perAddress: 600,
      loginWindowMs: 5 * MINUTE_MS,
      loginPerAddress: 20,
    });
  const cookies = sessionCookiesFor(publicOrigin);
  const sessions = new SessionStore(store, {
    idleTimeoutMs: options.sessionIdleMs ?? 30 * MINUTE_MS,
  });

  const sessionAuthentication = new CookieSessionAuthentication({
    sessions,
    cookies,
    verifier,
    refreshMarginMs: options.refreshMarginMs ?? MINUTE_MS,
    ...(options.oidc === undefined ? {} : { oidc: options.oidc }),
  });
  const policies = createAccessPolicies({
    verifier,
    sessions: sessionAuthentication,
    checkRevocation: createRevocationCheck(revocations, options.revocationFailMode ?? 'closed'),
    checkCsrf: createCsrfCheck(publicOrigin),
    limitUser: createUserRateLimit(rateLimiters.perUser, options.onRateLimited),
  });

  return {
    verifier,
    store,
    ownsStore: options.store === undefined,
    policies,
    revocations,
    sessions,
    loginStates: new LoginStates(store),
    cookies,
    publicOrigin,
    oidc: options.oidc,
    sessionMaxAgeMs: options.sessionMaxAgeMs ?? 8 * 60 * MINUTE_MS,
    requestHooks: [createAddressRateLimit(rateLimiters, options.onRateLimited), readIdempotencyKey],
  };
}
