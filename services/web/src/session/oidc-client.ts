import * as client from 'openid-client';

/** Settings of the web tier's OpenID Connect client. */
export interface OidcClientOptions {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Absolute redirect URI registered at the provider, ending in /api/auth/callback. */
  readonly redirectUri: string;
  readonly scopes: string;
  /** Time limit of each request to the provider, in seconds. Default 5. */
  readonly timeoutSeconds?: number;
}

/** The PKCE, state and nonce values of one login, kept server-side until its callback. */
export interface LoginChecks {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

/** Tokens from the provider's token endpoint. */
export interface TokenSet {
  readonly accessToken: string;
  /** Access token expiry in milliseconds since the epoch, from `expires_in`. */
  readonly accessTokenExpiresAtMs: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** The ID token's `sub`, present after a code exchange. */
  readonly subject?: string;
}

/** The provider could not be reached or failed with a server error. */
export class IdentityProviderUnreachableError extends Error {
  readonly code = 'IDENTITY_PROVIDER_UNREACHABLE';

  constructor(operation: string, options?: ErrorOptions) {
    super(`The identity provider did not complete ${operation}; retry later`, options);
    this.name = 'IdentityProviderUnreachableError';
  }
}

/** The provider or the client rejected the login response or a refresh token. */
export class LoginRejectedError extends Error {
  readonly code = 'LOGIN_REJECTED';

  constructor(reason: string, options?: ErrorOptions) {
    super(reason, options);
    this.name = 'LoginRejectedError';
  }
}

/**
 * The authorization code flow with PKCE (S256), state and nonce, on openid-client 6. The
 * provider's metadata is discovered on first use and discovery is retried after a failure, so
 * the web tier starts even while the provider is down.
 */
export class OidcClient {
  readonly #options: OidcClientOptions;
  #configuration: Promise<client.Configuration> | undefined;

  constructor(options: OidcClientOptions) {
    this.#options = options;
  }

  /** Creates fresh login checks: a random state, nonce and PKCE code verifier. */
  static createChecks(): LoginChecks {
    return {
      state: client.randomState(),
      nonce: client.randomNonce(),
      codeVerifier: client.randomPKCECodeVerifier(),
    };
  }

  /** Builds the provider URL that starts a login with these checks. */
  async authorizationUrl(checks: LoginChecks): Promise<URL> {
    const configuration = await this.#discover();
    return client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.#options.redirectUri,
      scope: this.#options.scopes,
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
      // OpenID Connect issues a refresh token for offline_access only with prompt=consent.
      ...(this.#options.scopes.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
    });
  }

  /**
   * Checks the callback URL against the login's state, then exchanges its code (with the PKCE
   * verifier) and checks the ID token's nonce.
   *
   * @throws {LoginRejectedError} for a wrong state, an error response, or a rejected code.
   * @throws {IdentityProviderUnreachableError} when the provider cannot be reached.
   */
  async exchangeCode(callbackUrl: URL, checks: LoginChecks): Promise<TokenSet> {
    const configuration = await this.#discover();
    try {
      const response = await client.authorizationCodeGrant(configuration, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      return toTokenSet(response, response.claims()?.sub);
    } catch (error) {
      throw classify('the code exchange', error);
    }
  }

  /**
   * Renews the access token with a refresh token.
   *
   * @throws {LoginRejectedError} when the refresh token is no longer valid.
   * @throws {IdentityProviderUnreachableError} when the provider cannot be reached.
   */
  async refresh(refreshToken: string): Promise<TokenSet> {
    const configuration = await this.#discover();
    try {
      const response = await client.refreshTokenGrant(configuration, refreshToken);
      return toTokenSet(response, undefined);
    } catch (error) {
      throw classify('the token refresh', error);
    }
  }

  /** Revokes a refresh token at the provider (RFC 7009). */
  async revoke(refreshToken: string): Promise<void> {
    const configuration = await this.#discover();
    try {
      await client.tokenRevocation(configuration, refreshToken, {
        token_type_hint: 'refresh_token',
      });
    } catch (error) {
      throw classify('the token revocation', error);
    }
  }

  #discover(): Promise<client.Configuration> {
    this.#configuration ??= this.#runDiscovery().catch((error: unknown) => {
      this.#configuration = undefined;
      throw new IdentityProviderUnreachableError('discovery', { cause: error });
    });
    return this.#configuration;
  }

  async #runDiscovery(): Promise<client.Configuration> {
    const { issuer, clientId, clientSecret, timeoutSeconds } = this.#options;
    const insecure = new URL(issuer).protocol === 'http:';
    return client.discovery(
      new URL(issuer),
      clientId,
      { client_secret: clientSecret },
      client.ClientSecretBasic(clientSecret),
      {
        timeout: timeoutSeconds ?? 5,
        // Plain http is for the loopback development provider only; production issuers use https.
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
      },
    );
  }
}

function toTokenSet(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  subject: string | undefined,
): TokenSet {
  const expiresInSeconds = response.expiresIn() ?? 0;
  return {
    accessToken: response.access_token,
    accessTokenExpiresAtMs: Date.now() + expiresInSeconds * 1000,
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    ...(response.id_token === undefined ? {} : { idToken: response.id_token }),
    ...(subject === undefined ? {} : { subject }),
  };
}

/** Sorts openid-client's errors into a rejected login and an unreachable provider. */
function classify(operation: string, error: unknown): Error {
  if (
    error instanceof client.ResponseBodyError ||
    error instanceof client.AuthorizationResponseError
  ) {
    return new LoginRejectedError(`${operation} was rejected: ${error.error}`, { cause: error });
  }
  if (error instanceof client.ClientError) {
    return new LoginRejectedError(`${operation} failed a check: ${error.message}`, {
      cause: error,
    });
  }
  return new IdentityProviderUnreachableError(operation, { cause: error });
}
