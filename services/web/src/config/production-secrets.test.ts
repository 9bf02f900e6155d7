import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadWebConfig } from './web-config.js';

const files = {
  GATEKEEPER_CA_FILE: '/certs/ca.pem',
  WEB_TLS_CERT_FILE: '/certs/web.pem',
  WEB_TLS_KEY_FILE: '/certs/web-key.pem',
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadWebConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('web configuration in production mode', () => {
  it('refuses a plain secret and a password in a URL together', () => {
    const problems = problemsOf({
      ...files,
      NODE_ENV: 'production',
      WEB_OIDC_CLIENT_SECRET: 'plain-secret',
      REDIS_URL: 'rediss://:plain-password@cache:6379',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^WEB_OIDC_CLIENT_SECRET must not be set: production mode reads/),
      expect.stringMatching(/^REDIS_URL contains a password in its URL, which production mode/),
    ]);
    expect(problems.join('\n')).not.toContain('plain-');
  });

  it('accepts the same secrets outside production mode', () => {
    expect(problemsOf({ ...files, REDIS_URL: 'redis://:dev@127.0.0.1:6379' })).toEqual([]);
  });

  it('accepts secrets given as files', () => {
    const env = {
      ...files,
      NODE_ENV: 'production',
      WEB_OIDC_CLIENT_SECRET_FILE: '/run/secrets/oidc-client-secret',
      REDIS_URL: 'rediss://cache:6379',
    };
    expect(problemsOf(env)).toEqual([]);
  });

  it('requires a shared Redis', () => {
    const env = {
      ...files,
      NODE_ENV: 'production',
      WEB_OIDC_CLIENT_SECRET_FILE: '/run/secrets/oidc-client-secret',
    };
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/^REDIS_URL is missing: with NODE_ENV/),
    ]);
  });

  it('requires TLS to Redis', () => {
    const env = {
      ...files,
      NODE_ENV: 'production',
      WEB_OIDC_CLIENT_SECRET_FILE: '/run/secrets/oidc-client-secret',
      REDIS_URL: 'redis://cache:6379',
    };
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/^REDIS_URL must start with rediss:\/\/ when NODE_ENV=production/),
    ]);
  });

  it('checks ElastiCache IAM settings', () => {
    const problems = problemsOf({
      ...files,
      REDIS_URL: 'redis://cache:6379',
      REDIS_AUTH: 'elasticache-iam',
    });
    expect(problems).toContain(
      'REDIS_URL must start with rediss://: ElastiCache accepts IAM authentication only over TLS',
    );
    expect(problems).toContain('REDIS_IAM_USER_ID is missing: REDIS_AUTH=elasticache-iam needs it');
  });
});
