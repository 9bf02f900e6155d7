import { ConfigError, loadConfig } from '@palisade/config';
import {
  isProductionMode,
  productionModeVariable,
  productionSecretProblems,
} from '@palisade/credentials';
import { telemetrySettings } from '@palisade/telemetry';
import { Type, type Static } from 'typebox';

/** Environment variables of the development OpenID Connect provider. */
export const idpConfigSchema = Type.Object({
  IDP_HOST: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'Address the HTTP listener binds to.',
  }),
  IDP_PORT: Type.Integer({
    default: 4000,
    minimum: 0,
    maximum: 65535,
    description: 'TCP port of the HTTP listener; 0 picks a free port.',
  }),
  IDP_ISSUER: Type.String({
    default: 'http://127.0.0.1:4000',
    format: 'uri',
    description:
      'Issuer identifier (`iss` of every token and base of every endpoint URL). An https issuer ' +
      'means TLS ends at a proxy in front, so X-Forwarded-* headers from it are trusted.',
  }),
  IDP_MODE: Type.Union([Type.Literal('development'), Type.Literal('production')], {
    default: 'production',
    description:
      'development: creates missing signing keys, uses built-in development secrets and serves ' +
      'POST /development/token. production: every key and secret must be provided as a file.',
  }),
  IDP_JWKS_FILE: Type.String({
    minLength: 1,
    description:
      'Path of the private signing JWKS (JSON). In development mode a missing file is created ' +
      'with a fresh ES256 key and file mode 0600; in production mode it must exist.',
  }),
  IDP_API_AUDIENCE: Type.String({
    default: 'https://api.palisade.local',
    format: 'uri',
    description:
      'Resource indicator of the Palisade API, used as the `aud` of its JWT access tokens and as ' +
      'the default resource when a client requests none.',
  }),
  IDP_WEB_CLIENT_ID: Type.String({
    default: 'palisade-web',
    minLength: 1,
    description: 'Client ID of the first-party web tier (a confidential client).',
  }),
  IDP_WEB_REDIRECT_URIS: Type.String({
    default: 'http://127.0.0.1:3000/api/auth/callback,http://127.0.0.1:8080/api/auth/callback',
    minLength: 1,
    description: 'Comma-separated redirect URIs registered for the web client.',
  }),
  IDP_WEB_CLIENT_SECRET_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Path of a file containing the web client secret. Required in production mode; in ' +
        'development mode the built-in development secret is used when it is not set.',
    }),
  ),
  IDP_COOKIE_KEYS_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Path of a file with one cookie-signing key per line (the first signs, all verify, so ' +
        'keys can be rotated). Required in production mode; in development mode random keys ' +
        'are generated at start-up when it is not set.',
    }),
  ),
  IDP_ACCESS_TOKEN_TTL_SECONDS: Type.Integer({
    default: 600,
    minimum: 1,
    maximum: 86_400,
    description: 'Lifetime of access tokens for the API, in seconds.',
  }),
  ...telemetrySettings({ metricsPort: 9466 }),
});

/** Validated configuration of the IdP, with the redirect URI list split. */
export type IdpConfig = Omit<Static<typeof idpConfigSchema>, 'IDP_WEB_REDIRECT_URIS'> & {
  readonly IDP_WEB_REDIRECT_URIS: readonly string[];
};

/**
 * Reads and validates the IdP configuration.
 *
 * @throws ConfigError listing every invalid or missing variable.
 */
export function loadIdpConfig(env: NodeJS.ProcessEnv): IdpConfig {
  const config = loadIdpEnvironment(env);
  const redirectUris = config.IDP_WEB_REDIRECT_URIS.split(',')
    .map((uri) => uri.trim())
    .filter((uri) => uri !== '');

  const invalid = redirectUris.filter((uri) => !URL.canParse(uri));
  if (redirectUris.length === 0 || invalid.length > 0) {
    const value = JSON.stringify(config.IDP_WEB_REDIRECT_URIS);
    throw new ConfigError('idp', [
      `IDP_WEB_REDIRECT_URIS=${value} is invalid: it must be a comma-separated list of absolute URLs`,
    ]);
  }

  return { ...config, IDP_WEB_REDIRECT_URIS: redirectUris };
}

/** Loads the schema's variables; in production mode (NODE_ENV=production) secrets only from files. */
function loadIdpEnvironment(env: NodeJS.ProcessEnv): Static<typeof idpConfigSchema> {
  let problems: readonly string[] = [];
  let config: Static<typeof idpConfigSchema> | undefined;
  try {
    config = loadConfig('idp', idpConfigSchema, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }
  const allProblems = [...problems, ...productionModeProblems(env)];
  if (allProblems.length > 0 || config === undefined) throw new ConfigError('idp', allProblems);
  return config;
}

/** Problems of production mode: plain secrets in the environment and the development mode. */
function productionModeProblems(env: NodeJS.ProcessEnv): string[] {
  const problems = productionSecretProblems(env);
  if (isProductionMode(env) && env['IDP_MODE'] === 'development') {
    problems.push(
      `IDP_MODE=development is refused when ${productionModeVariable}=production: its secrets are public`,
    );
  }
  return problems;
}
