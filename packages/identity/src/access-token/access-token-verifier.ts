import {
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyResult,
} from 'jose';

import { IdentityProviderUnavailableError, InvalidAccessTokenError } from '../errors.js';
import { discoverJwksUri } from './openid-discovery.js';
import { toAccessTokenError } from './token-error-mapping.js';
import { VerifiedTokenCache, type VerifiedTokenCacheStatistics } from './verified-token-cache.js';

const DEFAULT_ROLE_CLAIM = 'roles';
const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_CACHE_MAX_ENTRIES = 10_000;
/** RFC 9068 §2.1: JWT access tokens carry `typ: at+jwt`. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub'];

/** Options for {@link AccessTokenVerifier}. */
export interface AccessTokenVerifierOptions {
  /** Expected `iss`, such as `http://127.0.0.1:4000`. */
  readonly issuer: string;
  /** Expected `aud`: the API's resource identifier. */
  readonly audience: string;
  /** Key set location; discovered from the issuer's OpenID configuration when absent. */
  readonly jwksUri?: string;
  /** Asymmetric JWS algorithms to accept, such as `['ES256', 'RS256']`. */
  readonly algorithms: readonly string[];
  /** Allowed clock skew for `exp` and `nbf`, in seconds. */
  readonly clockToleranceSeconds: number;
  /** Minimum time between two key set fetches caused by an unknown `kid`, in ms (default 30000). */
  readonly cooldownMs?: number;
  /** Claim holding the user's roles as an array of strings (default `roles`). */
  readonly roleClaim?: string;
  /** Timeout of each discovery or key set request, in ms (default 5000). */
  readonly timeoutMs?: number;
  /** Age after which the key set is fetched again before the next verification, in ms (default 600000). */
  readonly keySetMaxAgeMs?: number;
  /**
   * Maximum number of verified tokens remembered, so that a repeated token skips the signature
   * check (default 10000); 0 turns the cache off. See {@link VerifiedTokenCache}.
   */
  readonly cacheMaxEntries?: number;
}

/** The end user named by a verified access token. */
export interface VerifiedUser {
  readonly subject: string;
  readonly issuer: string;
  readonly roles: readonly string[];
  /** The token's `jti`, when present. */
  readonly tokenId?: string;
  readonly expiresAt: Date;
  /** The OAuth client the token was issued to (`client_id`), when present. */
  readonly clientId?: string;
}

/**
 * Verifies RFC 9068 JWT access tokens against the issuer's JSON Web Key Set.
 *
 * Keys are cached by jose and refetched when a token names an unknown `kid`, at most once per
 * cooldown period, so a rotated key is picked up without a restart. Tokens that pass are kept
 * in a bounded {@link VerifiedTokenCache}, so a repeated token skips the signature check but
 * never outlives its `exp` or its signing key.
 *
 * @example
 * const verifier = new AccessTokenVerifier({ issuer, audience: 'https://api.palisade.local',
 *   algorithms: ['ES256'], clockToleranceSeconds: 5 });
 * const user = await verifier.verify(bearerTokenFromHeader(request.headers.authorization) ?? '');
 */
export class AccessTokenVerifier {
  readonly #options: AccessTokenVerifierOptions;
  readonly #algorithms: string[];
  readonly #cache: VerifiedTokenCache<VerifiedUser>;
  #keyResolver: Promise<JWTVerifyGetKey> | undefined;

  constructor(options: AccessTokenVerifierOptions) {
    assertOptions(options);
    this.#options = options;
    this.#algorithms = [...options.algorithms];
    this.#cache = new VerifiedTokenCache({
      maxEntries: options.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES,
      clockToleranceSeconds: options.clockToleranceSeconds,
    });
  }

  /** Counters of the verified-token cache, for metrics and tests. */
  cacheStatistics(): VerifiedTokenCacheStatistics {
    return this.#cache.statistics();
  }

  /**
   * Verifies `token`: signature, `typ`, issuer, audience, expiry and the required claims.
   *
   * @throws {InvalidAccessTokenError} when the token is rejected (respond with 401).
   * @throws {IdentityProviderUnavailableError} when the discovery document or key set cannot be
   * fetched, so the token could not be checked (respond with 503).
   */
  async verify(token: string): Promise<VerifiedUser> {
    if (typeof token !== 'string' || token === '') {
      throw new InvalidAccessTokenError('TOKEN_MALFORMED', 'The access token is empty');
    }
    const keyResolver = await this.#resolveKeyResolver();

    let cached: VerifiedUser | undefined;
    try {
      cached = await this.#cache.lookup(token, keyResolver);
    } catch (error) {
      throw toAccessTokenError(error);
    }
    if (cached !== undefined) return cached;

    // The key jose verified the signature with; a cache hit later requires the same key object.
    let signingKey: Awaited<ReturnType<JWTVerifyGetKey>> | undefined;
    let result: JWTVerifyResult;
    try {
      result = await jwtVerify(
        token,
        async (protectedHeader, flattened) => {
          signingKey = await keyResolver(protectedHeader, flattened);
          return signingKey;
        },
        {
          issuer: this.#options.issuer,
          audience: this.#options.audience,
          algorithms: this.#algorithms,
          clockTolerance: this.#options.clockToleranceSeconds,
          requiredClaims: REQUIRED_CLAIMS,
          typ: ACCESS_TOKEN_TYPE,
        },
      );
    } catch (error) {
      throw toAccessTokenError(error);
    }

    const user = this.#toVerifiedUser(result.payload);
    if (signingKey !== undefined) {
      this.#cache.store(token, {
        value: user,
        protectedHeader: result.protectedHeader,
        signingKey,
        expiresAt: result.payload.exp as number,
        notBefore: result.payload.nbf,
      });
    }
    return user;
  }

  /** Returns the key resolver, discovering the key set location once; a failure is retried. */
  #resolveKeyResolver(): Promise<JWTVerifyGetKey> {
    this.#keyResolver ??= this.#createKeyResolver().catch((error: unknown) => {
      this.#keyResolver = undefined;
      throw error;
    });
    return this.#keyResolver;
  }

  async #createKeyResolver(): Promise<JWTVerifyGetKey> {
    const timeoutMs = this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const jwksUri =
      this.#options.jwksUri === undefined
        ? await discoverJwksUri(this.#options.issuer, timeoutMs)
        : new URL(this.#options.jwksUri);
    const remoteKeySet = createRemoteJWKSet(jwksUri, {
      timeoutDuration: timeoutMs,
      ...(this.#options.keySetMaxAgeMs === undefined
        ? {}
        : { cacheMaxAge: this.#options.keySetMaxAgeMs }),
      ...(this.#options.cooldownMs === undefined
        ? {}
        : { cooldownDuration: this.#options.cooldownMs }),
    });

    return async (protectedHeader, token) => {
      try {
        return await remoteKeySet(protectedHeader, token);
      } catch (error) {
        // These come from matching the token against a key set that was fetched successfully.
        if (
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys ||
          error instanceof errors.JOSENotSupported
        ) {
          throw error;
        }
        throw new IdentityProviderUnavailableError(
          `JSON Web Key Set ${jwksUri.href} could not be fetched or is invalid`,
          { cause: error },
        );
      }
    };
  }

  #toVerifiedUser(payload: JWTPayload): VerifiedUser {
    const { sub, exp, jti } = payload;
    const clientId = payload['client_id'];
    if (typeof sub !== 'string' || sub === '') throw invalidClaim('sub', 'a non-empty string');
    // PostgreSQL stores a lone surrogate as U+FFFD, so two such subjects would share one user.
    if (unstorableCharacter.test(sub)) {
      throw invalidClaim('sub', 'well-formed Unicode without NUL characters');
    }
    if (jti !== undefined && typeof jti !== 'string') throw invalidClaim('jti', 'a string');
    if (clientId !== undefined && typeof clientId !== 'string') {
      throw invalidClaim('client_id', 'a string');
    }

    const roleClaim = this.#options.roleClaim ?? DEFAULT_ROLE_CLAIM;
    const roles = payload[roleClaim] ?? [];
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string')) {
      throw invalidClaim(roleClaim, 'an array of strings');
    }

    // Frozen, because the cache returns the same object for every later use of the token.
    return Object.freeze({
      subject: sub,
      issuer: this.#options.issuer,
      roles: Object.freeze([...roles]),
      expiresAt: new Date((exp as number) * 1000),
      ...(jti === undefined ? {} : { tokenId: jti }),
      ...(clientId === undefined ? {} : { clientId }),
    });
  }
}

/** NUL or a lone UTF-16 surrogate: neither survives a round trip through PostgreSQL text. */
const unstorableCharacter = /[\0\p{Cs}]/u;

function invalidClaim(claim: string, expected: string): InvalidAccessTokenError {
  return new InvalidAccessTokenError(
    'TOKEN_CLAIM_INVALID',
    `The access token's "${claim}" claim must be ${expected}`,
  );
}

function assertOptions(options: AccessTokenVerifierOptions): void {
  if (!URL.canParse(options.issuer)) {
    throw new TypeError(`issuer ${JSON.stringify(options.issuer)} must be an absolute URL`);
  }
  if (options.jwksUri !== undefined && !URL.canParse(options.jwksUri)) {
    throw new TypeError(`jwksUri ${JSON.stringify(options.jwksUri)} must be an absolute URL`);
  }
  if (typeof options.audience !== 'string' || options.audience === '') {
    throw new TypeError('audience must be a non-empty string');
  }
  if (options.algorithms.length === 0) {
    throw new TypeError('algorithms must list at least one JWS algorithm, such as "ES256"');
  }
  // A key set contains public keys only, and "none" or HMAC would let anyone forge tokens.
  const unsafe = options.algorithms.filter((alg) => alg === 'none' || /^HS/i.test(alg));
  if (unsafe.length > 0) {
    throw new TypeError(`algorithms must not include ${unsafe.join(', ')}: use asymmetric ones`);
  }
  if (!Number.isFinite(options.clockToleranceSeconds) || options.clockToleranceSeconds < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number of seconds');
  }
  const maxEntries = options.cacheMaxEntries;
  if (maxEntries !== undefined && (!Number.isSafeInteger(maxEntries) || maxEntries < 0)) {
    throw new TypeError(
      `cacheMaxEntries ${String(maxEntries)} must be a non-negative integer (0 turns the cache off)`,
    );
  }
  const maxAge = options.keySetMaxAgeMs;
  if (maxAge !== undefined && (!Number.isFinite(maxAge) || maxAge < 0)) {
    throw new TypeError(`keySetMaxAgeMs ${String(maxAge)} must be a non-negative number of ms`);
  }
}
