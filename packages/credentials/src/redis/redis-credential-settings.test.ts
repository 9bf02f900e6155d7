import { describe, expect, it } from 'vitest';

import { silentLogger } from '../credential-logger.js';
import {
  createRedisConnection,
  redisCredentialProblems,
  type RedisCredentialConfig,
} from './redis-credential-settings.js';

const iam: RedisCredentialConfig = {
  REDIS_URL: 'rediss://master.palisade-cache.abc.euw1.cache.amazonaws.com:6379',
  REDIS_AUTH: 'elasticache-iam',
  REDIS_IAM_USER_ID: 'palisade-web',
  REDIS_IAM_CACHE_NAME: 'palisade-cache',
  REDIS_IAM_SERVERLESS: false,
  AWS_REGION: 'eu-west-1',
};

describe('redis credential settings', () => {
  it('accept a complete IAM configuration', () => {
    expect(redisCredentialProblems(iam)).toEqual([]);
  });

  it('need nothing more for URL authentication', () => {
    expect(redisCredentialProblems({ REDIS_AUTH: 'url', REDIS_IAM_SERVERLESS: false })).toEqual([]);
  });

  it('list every missing IAM setting', () => {
    expect(
      redisCredentialProblems({ REDIS_AUTH: 'elasticache-iam', REDIS_IAM_SERVERLESS: false }),
    ).toEqual([
      'REDIS_URL is missing: REDIS_AUTH=elasticache-iam needs it',
      'REDIS_IAM_USER_ID is missing: REDIS_AUTH=elasticache-iam needs it',
      'REDIS_IAM_CACHE_NAME is missing: REDIS_AUTH=elasticache-iam needs it',
      'AWS_REGION is missing: REDIS_AUTH=elasticache-iam needs it',
    ]);
  });

  it('require TLS for IAM authentication', () => {
    expect(redisCredentialProblems({ ...iam, REDIS_URL: 'redis://cache:6379' })).toEqual([
      'REDIS_URL must start with rediss://: ElastiCache accepts IAM authentication only over TLS',
    ]);
  });

  it('reject a URL password next to IAM authentication', () => {
    expect(redisCredentialProblems({ ...iam, REDIS_URL: 'rediss://:static@cache:6379' })).toEqual([
      'REDIS_URL contains a password, but REDIS_AUTH=elasticache-iam signs its own: remove it from the URL',
    ]);
  });

  it('connect with the URL credentials in development', async () => {
    const connection = await createRedisConnection(
      {
        REDIS_URL: 'redis://:dev@127.0.0.1:6379/1',
        REDIS_AUTH: 'url',
        REDIS_IAM_SERVERLESS: false,
      },
      silentLogger,
    );
    expect(connection?.options).toEqual({ host: '127.0.0.1', port: 6379, db: 1, password: 'dev' });
  });

  it('need no connection without a URL', async () => {
    const connection = await createRedisConnection(
      { REDIS_AUTH: 'url', REDIS_IAM_SERVERLESS: false },
      silentLogger,
    );
    expect(connection).toBeUndefined();
  });
});
