import { ConfigError, loadConfig } from '@palisade/config';
import {
  productionSecretProblems,
  redisCredentialProblems,
  redisCredentialSettings,
} from '@palisade/credentials';
import { telemetrySettings } from '@palisade/telemetry';
import { Type, type Static } from 'typebox';

import { loginSettings, parsePublicOrigin } from './login-settings.js';
import { parseTrustedProxies, storeSettings } from './store-settings.js';

const DEFAULT_ALGORITHMS = 'ES256,RS256';

/**
 * The web tier's configuration schema. Each property is one environment variable.
 */
export const webConfigSchema = Type.Object({
  WEB_HOST: Type.String({
    default: '127.0.0.1',
    description: 'Address the HTTP server listens on.',
  }),
  WEB_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 3000,
    description: 'TCP port the HTTP server listens on. 0 picks a free port.',
  }),
  OIDC_ISSUER: Type.String({
    format: 'uri',
    default: 'http://127.0.0.1:4000',
    description:
      'Issuer URL of the OpenID Connect provider, which access tokens must carry as `iss`.',
  }),
  OIDC_AUDIENCE: Type.String({
    minLength: 1,
    default: 'https://api.palisade.local',
    description: 'Audience (`aud`) that access tokens must be issued for: this API.',
  }),
  OIDC_JWKS_URI: Type.Optional(
    Type.String({
      format: 'uri',
      description: "URL of the issuer's JSON Web Key Set, discovered from the issuer when unset.",
    }),
  ),
  OIDC_ALGORITHMS: Type.String({
    minLength: 1,
    default: DEFAULT_ALGORITHMS,
    description:
      'Comma-separated JWS algorithms accepted on access tokens. `none` and HS* are rejected.',
  }),
  OIDC_CLOCK_TOLERANCE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 5,
    description: 'Clock skew, in seconds, allowed when checking `exp` and `nbf`.',
  }),
  GATEKEEPER_ADDRESS: Type.String({
    minLength: 1,
    default: '127.0.0.1:50051',
    description: 'host:port of the gatekeeper gRPC server.',
  }),
  GATEKEEPER_SPIFFE_ID: Type.String({
    pattern: '^spiffe://',
    default: 'spiffe://palisade.local/ns/palisade/sa/gatekeeper',
    description: "SPIFFE ID that the gatekeeper's server certificate must carry as its URI SAN.",
  }),
  GATEKEEPER_CA_FILE: Type.String({
    minLength: 1,
    description: "PEM file of the CA that signs the gatekeeper's certificate.",
  }),
  WEB_TLS_CERT_FILE: Type.String({
    minLength: 1,
    description:
      "PEM file of the web tier's workload certificate, sent as the mTLS client certificate.",
  }),
  WEB_TLS_KEY_FILE: Type.String({
    minLength: 1,
    description: 'PEM file of the private key of WEB_TLS_CERT_FILE.',
  }),
  WEB_GATEKEEPER_TIMEOUT_MS: Type.Integer({
    minimum: 1,
    maximum: 60_000,
    default: 2000,
    description: 'Deadline, in milliseconds, of each gatekeeper call.',
  }),
  WEB_REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description:
      'Budget, in milliseconds, of one HTTP request. No gatekeeper deadline runs past it.',
  }),
  WEB_BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 1_048_576,
    default: 16_384,
    description: 'Maximum request body size, in bytes. Larger bodies get 413.',
  }),
  ...storeSettings,
  ...redisCredentialSettings,
  ...loginSettings,
  ...telemetrySettings({ metricsPort: 9465 }),
});

/** The raw variables, typed, as `loadConfig` returns them. */
export type WebEnvironment = Static<typeof webConfigSchema>;

/** The web tier's validated configuration. */
export interface WebConfig extends Omit<
  WebEnvironment,
  'OIDC_ALGORITHMS' | 'WEB_TRUSTED_PROXIES' | 'WEB_PUBLIC_ORIGIN'
> {
  /** Accepted JWS algorithms, parsed from the comma-separated variable. */
  readonly OIDC_ALGORITHMS: readonly string[];
  /** Trusted proxy addresses and CIDR ranges, parsed from the comma-separated variable. */
  readonly WEB_TRUSTED_PROXIES: readonly string[];
  /** The public origin, defaulting to http://127.0.0.1:<WEB_PORT>. */
  readonly WEB_PUBLIC_ORIGIN: string;
}

const DATABASE_REASON = 'the web tier never connects to the database; only the gatekeeper does';

/**
 * Variables the web tier must never receive. Holding no database setting keeps a compromised web
 * process from reaching PostgreSQL directly.
 */
export const forbiddenWebVariables = [
  { pattern: /^DATABASE_/, reason: DATABASE_REASON },
  { pattern: /^DATABASE$/, reason: DATABASE_REASON },
  // libpq reads every PG* variable (PGHOST, PGUSER, PGPASSWORD, PGSERVICEFILE, ...).
  { pattern: /^PG[A-Z_]+$/, reason: DATABASE_REASON },
  { pattern: /^POSTGRES(QL)?_/, reason: DATABASE_REASON },
] as const;

/** Algorithms that verify with a shared secret or with nothing, so never valid for access tokens. */
const REJECTED_ALGORITHM = /^(none|HS\d+)$/i;
const ALGORITHM_NAME = /^[A-Za-z0-9-]+$/;

/**
 * Parses the comma-separated algorithm list and returns the problems found.
 */
export function parseAlgorithms(list: string): { algorithms: string[]; problems: string[] } {
  const algorithms = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const problems: string[] = [];

  if (algorithms.length === 0) {
    problems.push('OIDC_ALGORITHMS is empty: list at least one algorithm, for example ES256');
  }
  for (const algorithm of algorithms) {
    if (REJECTED_ALGORITHM.test(algorithm)) {
      problems.push(
        `OIDC_ALGORITHMS contains ${JSON.stringify(algorithm)}: unsigned and shared-secret (HS*) ` +
          'algorithms are rejected; use an asymmetric one such as ES256 or RS256',
      );
    } else if (!ALGORITHM_NAME.test(algorithm)) {
      problems.push(`OIDC_ALGORITHMS contains the invalid name ${JSON.stringify(algorithm)}`);
    }
  }

  return { algorithms, problems };
}

/**
 * Reads and validates the web tier's configuration from `env`.
 *
 * @throws {ConfigError} listing every problem, including each forbidden database variable.
 */
export function loadWebConfig(env: NodeJS.ProcessEnv = process.env): WebConfig {
  let environment: WebEnvironment | undefined;
  let problems: readonly string[] = [];
  try {
    environment = loadConfig('web', webConfigSchema, env, { forbidden: forbiddenWebVariables });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems = error.problems;
  }

  // The algorithm list is checked even when other variables fail, so one run lists every problem.
  const algorithmList = env.OIDC_ALGORITHMS || DEFAULT_ALGORITHMS;
  const parsed = parseAlgorithms(algorithmList);
  const trusted = parseTrustedProxies(env.WEB_TRUSTED_PROXIES ?? '');
  const publicOrigin = parsePublicOrigin(
    env.WEB_PUBLIC_ORIGIN || `http://127.0.0.1:${env.WEB_PORT || '3000'}`,
  );
  const allProblems = [
    ...problems,
    // In production mode (NODE_ENV=production) secrets come only from *_FILE paths.
    ...productionSecretProblems(env),
    ...(environment === undefined ? [] : redisCredentialProblems(environment, env)),
    ...parsed.problems,
    ...trusted.problems,
    ...(publicOrigin.problem === undefined ? [] : [publicOrigin.problem]),
  ];
  if (allProblems.length > 0 || environment === undefined || publicOrigin.origin === undefined) {
    throw new ConfigError('web', allProblems);
  }

  return {
    ...environment,
    OIDC_ALGORITHMS: parsed.algorithms,
    WEB_TRUSTED_PROXIES: trusted.proxies,
    WEB_PUBLIC_ORIGIN: publicOrigin.origin,
  };
}
