import { loadCheckedConfig } from '@palisade/config';
import {
  isProductionMode,
  productionModeVariable,
  productionSecretProblems,
  redisCredentialProblems,
  redisCredentialSettings,
} from '@palisade/credentials';
import { telemetrySettings } from '@palisade/telemetry';
import { Type, type Static } from 'typebox';

import { sagaTransportSettings } from './saga-settings.js';

/** Environment variables of the inventory service. */
export const inventoryConfigSchema = Type.Object({
  DATABASE_URL: Type.String({
    minLength: 1,
    description:
      'PostgreSQL connection URL of the inventory role (palisade_inventory), which sees only the ' +
      'inventory schema and the messaging queue.',
  }),
  DATABASE_PASSWORD_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "File with the password of DATABASE_URL's role, read for each new connection, so a " +
        'rotated password is used without a restart.',
    }),
  ),
  DATABASE_TLS_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'PEM bundle of the CAs that sign the database server certificate. Turns on TLS with ' +
        'the server certificate and host name verified.',
    }),
  ),
  DATABASE_POOL_MAX: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 100,
    description: 'Connections the inventory service opens at most.',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Redis URL for the processed-command check; without it the check uses memory and the ' +
        'database constraint alone stops repeats across restarts.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    default: 'palisade:',
    description: 'Prefix of every Redis key the inventory service writes.',
  }),
  ...redisCredentialSettings,
  ...sagaTransportSettings,
  ...telemetrySettings({ metricsPort: 9467 }),
});

export type InventoryConfig = Static<typeof inventoryConfigSchema>;

/**
 * Reads and checks the inventory service's environment; throws ConfigError listing each problem.
 * In production mode (NODE_ENV=production) the database password comes only from
 * DATABASE_PASSWORD_FILE, and Redis is required over TLS.
 */
export function loadInventoryConfig(env: NodeJS.ProcessEnv): InventoryConfig {
  return loadCheckedConfig('inventory', inventoryConfigSchema, env, {
    environment: productionSecretProblems(env),
    settings: (config) => [
      ...redisCredentialProblems(config, env),
      ...(isProductionMode(env) && config.DATABASE_TLS_CA_FILE === undefined
        ? [
            `DATABASE_TLS_CA_FILE is missing: with ${productionModeVariable}=production the ` +
              'database password travels only over TLS to a verified server',
          ]
        : []),
    ],
  });
}
