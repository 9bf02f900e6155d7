import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadGatekeeperConfig } from '../../config.js';

const base = {
  GATEKEEPER_TLS_CERT_FILE: '/certs/gatekeeper.pem',
  GATEKEEPER_TLS_KEY_FILE: '/certs/gatekeeper-key.pem',
  GATEKEEPER_CA_FILE: '/certs/ca.pem',
  DATABASE_URL: 'postgres://palisade_gatekeeper@db.internal:5432/palisade',
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadGatekeeperConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('database credential settings', () => {
  it('default to static credentials with a 600 s connection lifetime', () => {
    const config = loadGatekeeperConfig(base);
    expect(config.DATABASE_CREDENTIALS).toBe('static');
    expect(config.DATABASE_POOL_MAX_LIFETIME_SECONDS).toBe(600);
  });

  it('accept file credentials with a password file', () => {
    const env = {
      ...base,
      DATABASE_CREDENTIALS: 'file',
      DATABASE_USERNAME_FILE: '/run/secrets/db/username',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
    };
    expect(problemsOf(env)).toEqual([]);
  });

  it('require a password file for file credentials', () => {
    expect(problemsOf({ ...base, DATABASE_CREDENTIALS: 'file' })).toEqual([
      'DATABASE_PASSWORD_FILE is missing: DATABASE_CREDENTIALS=file needs it',
    ]);
  });

  it('require TLS, region and user for rds-iam', () => {
    const problems = problemsOf({
      ...base,
      DATABASE_URL: 'postgres://db.internal:5432/palisade',
      DATABASE_CREDENTIALS: 'rds-iam',
    });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(
      /^DATABASE_TLS_CA_FILE is missing: RDS accepts IAM tokens only over TLS/,
    );
    expect(problems[1]).toMatch(/^AWS_REGION is missing/);
    expect(problems[2]).toMatch(/^DATABASE_URL has no user name/);
  });

  it('accept a complete rds-iam configuration', () => {
    const env = {
      ...base,
      DATABASE_CREDENTIALS: 'rds-iam',
      DATABASE_TLS_CA_FILE: '/certs/rds-global-bundle.pem',
      AWS_REGION: 'eu-west-1',
    };
    expect(problemsOf(env)).toEqual([]);
  });

  it('keep connections younger than an rds-iam token', () => {
    const problems = problemsOf({
      ...base,
      DATABASE_CREDENTIALS: 'rds-iam',
      DATABASE_TLS_CA_FILE: '/certs/rds-global-bundle.pem',
      AWS_REGION: 'eu-west-1',
      DATABASE_POOL_MAX_LIFETIME_SECONDS: '900',
    });
    expect(problems).toEqual([
      'DATABASE_POOL_MAX_LIFETIME_SECONDS=900 is invalid: it must be below the 900 s that rds-iam credentials stay valid',
    ]);
  });

  it('keep connections younger than a file password', () => {
    const problems = problemsOf({
      ...base,
      DATABASE_CREDENTIALS: 'file',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
      DATABASE_PASSWORD_VALIDITY_SECONDS: '300',
    });
    expect(problems).toEqual([
      'DATABASE_POOL_MAX_LIFETIME_SECONDS=600 is invalid: it must be below the 300 s that file credentials stay valid',
    ]);
  });

  it('reject a URL password next to a credential provider', () => {
    const problems = problemsOf({
      ...base,
      DATABASE_URL: 'postgres://palisade_gatekeeper:pw@db.internal/palisade',
      DATABASE_CREDENTIALS: 'file',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
    });
    expect(problems).toEqual([
      'DATABASE_URL contains a password, but DATABASE_CREDENTIALS=file provides its own: remove it from the URL',
    ]);
  });

  it('refuse static credentials in production mode', () => {
    expect(
      problemsOf({ ...base, NODE_ENV: 'production', REDIS_URL: 'rediss://cache:6379' }),
    ).toEqual([
      'DATABASE_CREDENTIALS=static is refused when NODE_ENV=production: use rds-iam or file',
    ]);
  });

  it('refuse plain secrets in production mode, listing every problem', () => {
    const problems = problemsOf({
      ...base,
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://palisade_gatekeeper:pw@db.internal/palisade',
      PGPASSWORD: 'pw',
      DATABASE_CREDENTIALS: 'file',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
    });
    expect(problems).toContain(
      'PGPASSWORD must not be set: production mode reads secrets only from files, so mount the secret as a file and set the matching *_FILE variable instead',
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^DATABASE_URL contains a password in its URL/),
    );
    expect(problems.join('\n')).not.toContain(':pw@');
  });

  it('accept a production configuration whose secrets are files', () => {
    const env = {
      ...base,
      NODE_ENV: 'production',
      DATABASE_CREDENTIALS: 'file',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
      DATABASE_TLS_CA_FILE: '/run/secrets/db/ca.pem',
      REDIS_URL: 'rediss://cache:6379',
    };
    expect(problemsOf(env)).toEqual([]);
  });

  it('require TLS for a password file in production mode', () => {
    const env = {
      ...base,
      NODE_ENV: 'production',
      DATABASE_CREDENTIALS: 'file',
      DATABASE_PASSWORD_FILE: '/run/secrets/db/password',
      REDIS_URL: 'rediss://cache:6379',
    };
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(/^DATABASE_TLS_CA_FILE is missing: with NODE_ENV=production/),
    ]);
  });
});
