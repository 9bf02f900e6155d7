import { fileURLToPath } from 'node:url';

import { loadCheckedConfig } from '@palisade/config';
import {
  productionSecretProblems,
  redisCredentialProblems,
  redisCredentialSettings,
} from '@palisade/credentials';
import { sagaCommandSettings, sagaTransportSettings } from '@palisade/inventory';
import { telemetrySettings } from '@palisade/telemetry';
import { Type, type Static } from 'typebox';

import {
  databaseCredentialProblems,
  databaseCredentialSettings,
} from './db/credentials/database-credential-settings.js';
import { embedderSettings } from './embeddings/embedder-config.js';
import { storeSettings } from './store-settings.js';

const defaultPolicyFile = fileURLToPath(new URL('../policy/authorization.json', import.meta.url));

export const gatekeeperConfigSchema = Type.Object({
  GATEKEEPER_HOST: Type.String({ default: '127.0.0.1', description: 'Address to listen on.' }),
  GATEKEEPER_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 50051,
    description: 'gRPC port; 0 picks a free one.',
  }),
  GATEKEEPER_HEALTH_PORT: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 65535,
      description:
        'Port of a second gRPC listener without TLS that serves only grpc.health.v1.Health, for ' +
        'kubelet probes, which send no client certificate. It binds on GATEKEEPER_HOST. Unset: ' +
        'no such listener.',
    }),
  ),
  GATEKEEPER_TLS_CERT_FILE: Type.String({
    minLength: 1,
    description: "PEM file with the gatekeeper's workload certificate.",
  }),
  GATEKEEPER_TLS_KEY_FILE: Type.String({
    minLength: 1,
    description: 'PEM file with the private key of that certificate.',
  }),
  GATEKEEPER_CA_FILE: Type.String({
    minLength: 1,
    description: 'PEM bundle of the CAs that sign client workload certificates.',
  }),
  GATEKEEPER_POLICY_FILE: Type.String({
    minLength: 1,
    default: defaultPolicyFile,
    description: 'JSON policy naming the workload identities allowed on each gRPC method.',
  }),
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: 'PostgreSQL connection URL, for example postgres://user@127.0.0.1:5432/db.',
  }),
  DATABASE_POOL_MAX: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 10,
    description: 'Maximum pool connections; 1 for the embedded database, which has one backend.',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 5000,
    description: 'Server-side statement timeout in milliseconds.',
  }),
  OIDC_ISSUER: Type.String({
    format: 'uri',
    default: 'http://127.0.0.1:4000',
    description: 'Issuer of the end-user access tokens.',
  }),
  OIDC_AUDIENCE: Type.String({
    minLength: 1,
    default: 'https://api.palisade.local',
    description: 'Audience that access tokens must carry.',
  }),
  OIDC_JWKS_URI: Type.Optional(
    Type.String({
      format: 'uri',
      description: "The issuer's JWKS URL; discovered from the issuer when unset.",
    }),
  ),
  OIDC_ALGORITHMS: Type.String({
    pattern: '^(ES256|ES384|RS256|PS256|EdDSA)(,(ES256|ES384|RS256|PS256|EdDSA))*$',
    default: 'ES256,RS256',
    description: 'Comma-separated signature algorithms accepted on access tokens.',
  }),
  OIDC_CLOCK_TOLERANCE_SECONDS: Type.Integer({
    minimum: 0,
    maximum: 60,
    default: 5,
    description: 'Clock skew allowed when checking exp, nbf and iat.',
  }),
  ...databaseCredentialSettings,
  ...redisCredentialSettings,
  ...embedderSettings,
  ...storeSettings,
  ...sagaTransportSettings,
  ...sagaCommandSettings,
  ...telemetrySettings({ metricsPort: 9464 }),
});

export type GatekeeperConfig = Static<typeof gatekeeperConfigSchema>;

/**
 * Reads and validates the gatekeeper's configuration; throws ConfigError listing every problem.
 * In production mode (NODE_ENV=production) secrets come only from files: a plain secret in the
 * environment or a password inside a URL is a problem.
 */
export function loadGatekeeperConfig(env: NodeJS.ProcessEnv = process.env): GatekeeperConfig {
  return loadCheckedConfig('gatekeeper', gatekeeperConfigSchema, env, {
    environment: productionSecretProblems(env),
    settings: (config) => [
      ...databaseCredentialProblems(config, env),
      ...redisCredentialProblems(config, env),
      ...healthPortProblems(config),
    ],
  });
}

/** Returns a problem for each listener whose port GATEKEEPER_HEALTH_PORT would share. */
export function healthPortProblems(
  config: Pick<GatekeeperConfig, 'GATEKEEPER_HEALTH_PORT' | 'GATEKEEPER_PORT' | 'METRICS_PORT'>,
): string[] {
  const healthPort = config.GATEKEEPER_HEALTH_PORT;
  if (healthPort === undefined) return [];
  return (['GATEKEEPER_PORT', 'METRICS_PORT'] as const)
    .filter((name) => config[name] === healthPort)
    .map(
      (name) =>
        `GATEKEEPER_HEALTH_PORT=${healthPort} is invalid: ${name} uses the same port, so ` +
        'choose another free port for the plaintext health listener',
    );
}
