import { loadConfig } from '@palisade/config';
import { Type, type Static } from 'typebox';

/** Environment variables of the inventory service. */
export const inventoryConfigSchema = Type.Object({
  DATABASE_URL: Type.String({
    minLength: 1,
    description:
      'PostgreSQL connection URL of the inventory role (palisade_inventory), which sees only the ' +
      'inventory schema and the messaging queue.',
  }),
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
  KAFKA_BROKERS: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Comma-separated Kafka brokers (host:port). Without it the saga messages travel through ' +
        'the PostgreSQL queue in the messaging schema.',
    }),
  ),
  SAGA_TOPIC_PREFIX: Type.String({
    default: 'palisade',
    pattern: '^[a-zA-Z0-9._-]{1,100}$',
    description: 'Prefix of the saga topic names; every process of one deployment uses the same.',
  }),
  SAGA_RETRY_MAX_ATTEMPTS: Type.Integer({
    default: 5,
    minimum: 1,
    maximum: 50,
    description: 'Attempts at handling one command before it goes to the dead-letter topic.',
  }),
  SAGA_RETRY_INITIAL_DELAY_MS: Type.Integer({
    default: 200,
    minimum: 1,
    description:
      'Delay before the first retry, in milliseconds. Each later retry doubles it, with jitter.',
  }),
  SAGA_RETRY_MAX_DELAY_MS: Type.Integer({
    default: 5000,
    minimum: 1,
    description: 'Maximum delay between two retries, in milliseconds.',
  }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'Lowest pino level written.' },
  ),
});

export type InventoryConfig = Static<typeof inventoryConfigSchema>;

/** Reads and checks the inventory service's environment; throws ConfigError listing each problem. */
export function loadInventoryConfig(env: NodeJS.ProcessEnv): InventoryConfig {
  return loadConfig('inventory', inventoryConfigSchema, env);
}
