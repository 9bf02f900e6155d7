import { Type, type Static } from 'typebox';

import { isProductionMode, productionModeVariable } from '../production-mode.js';
import { awsRegionSettings } from '../tokens/aws-region-settings.js';
import { defaultAwsCredentials } from '../tokens/default-aws-credentials.js';
import type { CredentialLogger } from '../credential-logger.js';
import { redisClientOptions, type RedisClientOptions } from './redis-connection.js';
import {
  RedisIamAuthentication,
  type ReauthenticatingRedisClient,
} from './redis-iam-authentication.js';

/** Configuration of how a service connects and authenticates to Redis, next to REDIS_URL. */
export const redisCredentialSettings = {
  REDIS_AUTH: Type.Union([Type.Literal('url'), Type.Literal('elasticache-iam')], {
    default: 'url',
    description:
      'How the Redis client authenticates. url: the user and password in REDIS_URL, if any ' +
      '(development). elasticache-iam: REDIS_IAM_USER_ID with an IAM token signed by the ' +
      "workload's AWS role, renewed before its 15 minutes run out; needs a rediss:// URL.",
  }),
  REDIS_TLS_CA_FILE: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'PEM bundle of the CAs that sign the Redis server certificate. Turns on TLS; a rediss:// ' +
        'URL without it uses the system CAs.',
    }),
  ),
  REDIS_IAM_USER_ID: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'ElastiCache user ID for elasticache-iam; its user name must equal it.',
    }),
  ),
  REDIS_IAM_CACHE_NAME: Type.Optional(
    Type.String({
      minLength: 1,
      description: 'Replication group ID (or serverless cache name) the IAM token is signed for.',
    }),
  ),
  REDIS_IAM_SERVERLESS: Type.Boolean({
    default: false,
    description: 'Whether REDIS_IAM_CACHE_NAME is an ElastiCache Serverless cache.',
  }),
  ...awsRegionSettings,
};

/** The variables that the credential checks read, as one schema. */
export const redisCredentialConfigSchema = Type.Object({
  REDIS_URL: Type.Optional(Type.String()),
  ...redisCredentialSettings,
});

/** The Redis credential variables, typed, as `loadConfig` returns them. */
export type RedisCredentialConfig = Static<typeof redisCredentialConfigSchema>;

/**
 * Returns the problems of a Redis credential configuration that its schema cannot express. In
 * production mode a shared Redis over TLS is required: replicas with stores of their own would
 * each accept a token that another one revoked, and keep rate limits per replica.
 */
export function redisCredentialProblems(
  config: RedisCredentialConfig,
  env: NodeJS.ProcessEnv = {},
): string[] {
  const production = isProductionMode(env) ? productionRedisProblems(config.REDIS_URL) : [];
  if (config.REDIS_AUTH !== 'elasticache-iam') return production;

  const problems: string[] = [];
  const required = [
    'REDIS_URL',
    'REDIS_IAM_USER_ID',
    'REDIS_IAM_CACHE_NAME',
    'AWS_REGION',
  ] as const;
  for (const name of required) {
    if (config[name] === undefined) {
      problems.push(`${name} is missing: REDIS_AUTH=elasticache-iam needs it`);
    }
  }
  const url = config.REDIS_URL;
  if (url !== undefined && !url.startsWith('rediss://') && config.REDIS_TLS_CA_FILE === undefined) {
    problems.push(
      'REDIS_URL must start with rediss://: ElastiCache accepts IAM authentication only over TLS',
    );
  }
  if (url !== undefined && URL.canParse(url) && new URL(url).password !== '') {
    problems.push(
      'REDIS_URL contains a password, but REDIS_AUTH=elasticache-iam signs its own: remove it from the URL',
    );
  }
  return [...production, ...problems];
}

function productionRedisProblems(url: string | undefined): string[] {
  if (url === undefined) {
    return [
      `REDIS_URL is missing: with ${productionModeVariable}=production the replicas must share ` +
        'one Redis for sessions, revocations and rate limits',
    ];
  }
  if (!url.startsWith('rediss://')) {
    return [
      `REDIS_URL must start with rediss:// when ${productionModeVariable}=production: ` +
        'sessions and revocations travel only over TLS',
    ];
  }
  return [];
}

/** Client options of a store's Redis connection, with a hook called for each new client. */
export interface RedisConnection {
  readonly options: RedisClientOptions;
  /** Keeps the client authenticated; called once with each client created. */
  readonly attach: (client: ReauthenticatingRedisClient) => void;
  /** Stops the token renewal. */
  readonly close: () => void;
}

/**
 * Creates the connection settings that the configuration selects, or undefined without
 * REDIS_URL. With elasticache-iam, the first token is signed before this resolves, using the
 * AWS SDK's default credentials (the workload's IAM role). The configuration must have passed
 * {@link redisCredentialProblems}.
 *
 * @throws {CredentialError} when the CA file cannot be read or the first token cannot be signed.
 */
export async function createRedisConnection(
  config: RedisCredentialConfig,
  logger: CredentialLogger,
): Promise<RedisConnection | undefined> {
  const url = config.REDIS_URL;
  if (url === undefined) return undefined;
  const tls = config.REDIS_TLS_CA_FILE === undefined ? {} : { tlsCaFile: config.REDIS_TLS_CA_FILE };

  if (config.REDIS_AUTH === 'url') {
    const options = redisClientOptions({ url, ...tls, authentication: { mode: 'url' } });
    return { options, attach: () => undefined, close: () => undefined };
  }

  const userId = config.REDIS_IAM_USER_ID ?? '';
  const authentication = new RedisIamAuthentication({
    replicationGroupId: config.REDIS_IAM_CACHE_NAME ?? '',
    userId,
    region: config.AWS_REGION ?? '',
    serverless: config.REDIS_IAM_SERVERLESS,
    credentials: await defaultAwsCredentials(),
    logger,
  });
  const token = await authentication.token();
  const options = redisClientOptions(
    { url, ...tls, authentication: { mode: 'elasticache-iam', userId } },
    token,
  );
  return {
    options,
    attach: (client) => void authentication.attach(client),
    close: () => authentication.stop(),
  };
}
