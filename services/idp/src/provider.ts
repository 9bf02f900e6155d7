import Provider, {
  errors,
  type Account,
  type Configuration,
  type KoaContextWithOIDC,
  type ResourceServer,
} from 'oidc-provider';
import type { Logger } from 'pino';

import { findAccountBySubject, type DevelopmentAccount } from './accounts.js';
import { escapeHtml, renderPage } from './pages.js';
import { SIGNING_ALGORITHM, type PrivateJwks } from './signing-keys.js';

/** Scope that grants access to the Palisade API resource server. */
export const API_SCOPE = 'api';

/** Path prefix of the login and consent pages, followed by the interaction id. */
export const INTERACTION_PATH = '/interaction/';

export interface ProviderOptions {
  readonly issuer: string;
  readonly jwks: PrivateJwks;
  readonly cookieKeys: readonly string[];
  readonly apiAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly webClient: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUris: readonly string[];
  };
  readonly logger: Logger;
}

/**
 * Creates the oidc-provider instance: one confidential web client using the
 * code flow with PKCE, and JWT access tokens (RFC 9068) for the API resource.
 */
export function createProvider(options: ProviderOptions): Provider {
  // NOTE: no `adapter` is configured, so oidc-provider keeps sessions, grants and refresh
  // tokens in process memory (and warns about it on stderr): a restart signs every user out,
  // and only one replica can run. JWT access tokens stay valid because the keys are on disk.
  const provider = new Provider(options.issuer, buildConfiguration(options));

  // Behind an https issuer TLS ends at a proxy, and koa needs its
  // X-Forwarded-Proto to treat requests as secure and set Secure cookies.
  provider.proxy = new URL(options.issuer).protocol === 'https:';

  logProviderEvents(provider, options.logger);
  return provider;
}

/** Returns the resource server description of the Palisade API. */
export function apiResourceServer(options: ProviderOptions): ResourceServer {
  return {
    scope: API_SCOPE,
    audience: options.apiAudience,
    accessTokenTTL: options.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: SIGNING_ALGORITHM } },
  };
}

function buildConfiguration(options: ProviderOptions): Configuration {
  const { webClient, apiAudience } = options;

  return {
    clients: [
      {
        client_id: webClient.clientId,
        client_secret: webClient.clientSecret,
        redirect_uris: [...webClient.redirectUris],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: SIGNING_ALGORITHM,
      },
    ],
    clientDefaults: { id_token_signed_response_alg: SIGNING_ALGORITHM },
    jwks: { keys: options.jwks.keys.map((key) => ({ ...key })) },
    cookies: { keys: [...options.cookieKeys] },
    pkce: { required: () => true },
    // `api` is also listed here so that discovery advertises it; tokens carry it only for the API.
    scopes: ['openid', 'offline_access', 'profile', 'email', API_SCOPE],
    responseTypes: ['code'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    findAccount: (_ctx, subject) => toOidcAccount(findAccountBySubject(subject)),
    extraTokenClaims: (_ctx, token) => {
      const account = 'accountId' in token ? findAccountBySubject(token.accountId) : undefined;
      return account ? { roles: [...account.roles] } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `${INTERACTION_PATH}${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => (oneOf ? oneOf : apiAudience),
        // The web tier omits `resource` at the token endpoint and still needs the API token.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== apiAudience) {
            throw new errors.InvalidTarget(`unknown resource indicator ${resourceIndicator}`);
          }
          return apiResourceServer(options);
        },
      },
      revocation: { enabled: true, allowedPolicy: sameClientPolicy },
      introspection: { enabled: true, allowedPolicy: sameClientPolicy },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    ttl: {
      AccessToken: (_ctx, token) =>
        token.resourceServer?.accessTokenTTL ?? options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 10 * 60,
      RefreshToken: 8 * 60 * 60,
      Session: 8 * 60 * 60,
      Grant: 8 * 60 * 60,
    },
    renderError,
  };
}

function toOidcAccount(account: DevelopmentAccount | undefined): Account | undefined {
  if (!account) return undefined;

  return {
    accountId: account.subject,
    claims: () => ({
      sub: account.subject,
      name: account.name,
      preferred_username: account.username,
      email: account.email,
      email_verified: true,
    }),
  };
}

/** Lets a client introspect or revoke only the tokens issued to itself. */
function sameClientPolicy(
  ctx: KoaContextWithOIDC,
  client: { clientId: string },
  token: { clientId?: string | undefined },
): boolean {
  return token.clientId === client.clientId && ctx.oidc.client?.clientId === client.clientId;
}

function logoutSource(ctx: KoaContextWithOIDC, form: string): void {
  // `form` is the provider's own hidden form, carrying its CSRF token.
  ctx.type = 'html';
  ctx.body = renderPage(
    'Sign out',
    `${form}<p>Sign out of the Palisade development IdP?</p>` +
      '<button form="op.logoutForm" name="logout" value="yes">Sign out</button>' +
      '<button form="op.logoutForm">Stay signed in</button>',
  );
}

function postLogoutSuccessSource(ctx: KoaContextWithOIDC): void {
  ctx.type = 'html';
  ctx.body = renderPage('Signed out', '<p>You are signed out.</p>');
}

function renderError(
  ctx: KoaContextWithOIDC,
  out: { error: string; error_description?: string | undefined },
): void {
  ctx.type = 'html';
  ctx.body = renderPage(
    'Sign-in failed',
    `<p class="error">${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`,
  );
}

/** Logs the provider's failures; the events carry no token values. */
function logProviderEvents(provider: Provider, logger: Logger): void {
  provider.on('server_error', (_ctx, error) => {
    logger.error({ err: error }, 'provider request failed');
  });

  const rejected = (event: string) => (_ctx: unknown, error: errors.OIDCProviderError) => {
    logger.warn(
      {
        event,
        error: error.error,
        description: error.error_description,
        detail: error.error_detail,
      },
      'provider rejected a request',
    );
  };
  provider.on('authorization.error', rejected('authorization.error'));
  provider.on('grant.error', rejected('grant.error'));
  provider.on('end_session.error', rejected('end_session.error'));
  provider.on('introspection.error', rejected('introspection.error'));
  provider.on('revocation.error', rejected('revocation.error'));
}
