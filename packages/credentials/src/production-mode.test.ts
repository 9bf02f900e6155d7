import { describe, expect, it } from 'vitest';

import {
  embeddedPasswordProblems,
  isProductionMode,
  productionSecretProblems,
  productionSecretRules,
} from './production-mode.js';

const production = { NODE_ENV: 'production' };

function refused(env: NodeJS.ProcessEnv): string[] {
  const rules = productionSecretRules(env);
  return Object.keys(env).filter((name) => rules.some((rule) => rule.pattern.test(name)));
}

describe('production mode', () => {
  it('is on only for NODE_ENV=production', () => {
    expect(isProductionMode(production)).toBe(true);
    expect(isProductionMode({ NODE_ENV: 'development' })).toBe(false);
    expect(isProductionMode({})).toBe(false);
  });

  it('refuses plain secret variables', () => {
    const env = {
      ...production,
      DATABASE_PASSWORD: 'x',
      PGPASSWORD: 'x',
      IDP_WEB_CLIENT_SECRET: 'x',
      WEB_SESSION_KEYS: 'x',
      REDIS_TOKEN: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SESSION_TOKEN: 'x',
    };
    expect(refused(env).sort()).toEqual(
      Object.keys(env)
        .filter((n) => n !== 'NODE_ENV')
        .sort(),
    );
  });

  it('accepts secret file paths and ordinary settings', () => {
    const env = {
      ...production,
      DATABASE_PASSWORD_FILE: '/run/secrets/db',
      IDP_COOKIE_KEYS_FILE: '/run/secrets/keys',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
      AWS_ROLE_ARN: 'arn:aws:iam::1:role/x',
      REDIS_KEY_PREFIX: 'p:',
      GATEKEEPER_TLS_KEY_FILE: '/certs/key.pem',
    };
    expect(refused(env)).toEqual([]);
  });

  it('names the file variable to use instead', () => {
    const [rule] = productionSecretRules(production).filter((r) => r.pattern.test('X_PASSWORD'));
    expect(rule?.reason).toContain('*_FILE');
  });

  it('refuses nothing outside production', () => {
    expect(productionSecretRules({ DATABASE_PASSWORD: 'x' })).toEqual([]);
    expect(embeddedPasswordProblems({ DATABASE_URL: 'postgres://u:p@h/db' })).toEqual([]);
  });

  it('reports URLs with a password without their value', () => {
    const problems = embeddedPasswordProblems({
      ...production,
      DATABASE_URL: 'postgres://user:hunter2@db.internal:5432/app',
      REDIS_URL: 'rediss://:s3cret@cache:6379',
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('DATABASE_URL contains a password');
    expect(problems[1]).toContain('REDIS_URL contains a password');
    expect(problems.join('\n')).not.toContain('hunter2');
    expect(problems.join('\n')).not.toContain('s3cret');
  });

  it('accepts URLs without a password', () => {
    const env = {
      ...production,
      DATABASE_URL: 'postgres://palisade_gatekeeper@db:5432/app',
      REDIS_URL: 'rediss://cache:6379',
      OIDC_ISSUER: 'https://id.example.com',
    };
    expect(embeddedPasswordProblems(env)).toEqual([]);
  });

  it('lists named secrets and URL passwords together', () => {
    const problems = productionSecretProblems({
      ...production,
      PGPASSWORD: 'x',
      REDIS_URL: 'redis://:x@cache:6379',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^PGPASSWORD must not be set: production mode reads secrets only/),
      expect.stringMatching(/^REDIS_URL contains a password/),
    ]);
  });
});
