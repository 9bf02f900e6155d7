import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadWebConfig, parseAlgorithms } from './web-config.js';

const REQUIRED = {
  GATEKEEPER_CA_FILE: '/pki/ca.pem',
  WEB_TLS_CERT_FILE: '/pki/web.pem',
  WEB_TLS_KEY_FILE: '/pki/web-key.pem',
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadWebConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadWebConfig', () => {
  it('fills the documented defaults', () => {
    const config = loadWebConfig(REQUIRED);

    expect(config).toMatchObject({
      WEB_HOST: '127.0.0.1',
      WEB_PORT: 3000,
      OIDC_ISSUER: 'http://127.0.0.1:4000',
      OIDC_AUDIENCE: 'https://api.palisade.local',
      OIDC_ALGORITHMS: ['ES256', 'RS256'],
      OIDC_CLOCK_TOLERANCE_SECONDS: 5,
      GATEKEEPER_ADDRESS: '127.0.0.1:50051',
      GATEKEEPER_SPIFFE_ID: 'spiffe://palisade.local/ns/palisade/sa/gatekeeper',
      WEB_GATEKEEPER_TIMEOUT_MS: 2000,
      WEB_BODY_LIMIT_BYTES: 16384,
    });
    expect(config.OIDC_JWKS_URI).toBeUndefined();
  });

  it('requires the mTLS files', () => {
    const problems = problemsOf({});

    expect(problems).toContain('GATEKEEPER_CA_FILE is missing: set it in the environment');
    expect(problems).toContain('WEB_TLS_CERT_FILE is missing: set it in the environment');
    expect(problems).toContain('WEB_TLS_KEY_FILE is missing: set it in the environment');
  });

  it('parses a custom algorithm list', () => {
    const config = loadWebConfig({ ...REQUIRED, OIDC_ALGORITHMS: ' PS256 , ES384 ' });

    expect(config.OIDC_ALGORITHMS).toEqual(['PS256', 'ES384']);
  });

  it('rejects a clock tolerance over 60 seconds', () => {
    const problems = problemsOf({ ...REQUIRED, OIDC_CLOCK_TOLERANCE_SECONDS: '61' });

    expect(problems).toEqual(['OIDC_CLOCK_TOLERANCE_SECONDS=61 is invalid: it must be <= 60']);
  });

  it('lists database and algorithm problems together', () => {
    const problems = problemsOf({ ...REQUIRED, PGHOST: 'db', OIDC_ALGORITHMS: 'none' });

    expect(problems).toHaveLength(2);
  });
});

describe('database settings', () => {
  it.each([
    'DATABASE_URL',
    'DATABASE_PASSWORD',
    'DATABASE_HOST',
    'PGHOST',
    'PGHOSTADDR',
    'PGPORT',
    'PGUSER',
    'PGPASSWORD',
    'PGPASSFILE',
    'PGDATABASE',
    'PGSERVICE',
    'PGSSLMODE',
    'POSTGRES_PASSWORD',
    'POSTGRES_USER',
    'POSTGRES_DB',
  ])('rejects %s', (name) => {
    const problems = problemsOf({ ...REQUIRED, [name]: 'x' });

    expect(problems).toEqual([
      `${name} must not be set: the web tier never connects to the database; only the gatekeeper does`,
    ]);
  });
});

describe('parseAlgorithms', () => {
  it.each(['none', 'NONE', 'HS256', 'HS384', 'HS512', 'hs256'])('rejects %s', (algorithm) => {
    const { problems } = parseAlgorithms(`ES256,${algorithm}`);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`"${algorithm}"`);
    expect(problems[0]).toContain('use an asymmetric one such as ES256 or RS256');
  });

  it('rejects an empty list', () => {
    expect(parseAlgorithms(' , ').problems).toEqual([
      'OIDC_ALGORITHMS is empty: list at least one algorithm, for example ES256',
    ]);
  });

  it('rejects a name with other characters', () => {
    expect(parseAlgorithms('ES256;RS256').problems).toEqual([
      'OIDC_ALGORITHMS contains the invalid name "ES256;RS256"',
    ]);
  });

  it('rejects HS256 through loadWebConfig', () => {
    const problems = problemsOf({ ...REQUIRED, OIDC_ALGORITHMS: 'HS256' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^OIDC_ALGORITHMS contains "HS256"/);
  });
});

describe('security layer settings', () => {
  it('fills the documented defaults', () => {
    const config = loadWebConfig(REQUIRED);

    expect(config).toMatchObject({
      WEB_REVOCATION_FAIL_MODE: 'closed',
      WEB_TRUSTED_PROXIES: [],
      WEB_PUBLIC_ORIGIN: 'http://127.0.0.1:3000',
      REDIS_KEY_PREFIX: 'palisade:',
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('parses trusted proxy addresses and ranges', () => {
    const config = loadWebConfig({
      ...REQUIRED,
      WEB_TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.1,::1/128',
    });

    expect(config.WEB_TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.0.2.1', '::1/128']);
  });

  it.each(['10.0.0.0/33', 'proxy.example', '10.0.0.0/8/1'])('rejects the proxy %s', (entry) => {
    const problems = problemsOf({ ...REQUIRED, WEB_TRUSTED_PROXIES: entry });

    expect(problems[0]).toContain(`WEB_TRUSTED_PROXIES contains ${JSON.stringify(entry)}`);
  });

  it('rejects a plain http public origin outside loopback', () => {
    const problems = problemsOf({ ...REQUIRED, WEB_PUBLIC_ORIGIN: 'http://app.example.com' });

    expect(problems[0]).toContain('use https');
  });

  it('rejects a public origin with a path', () => {
    const problems = problemsOf({ ...REQUIRED, WEB_PUBLIC_ORIGIN: 'https://app.example.com/api' });

    expect(problems[0]).toContain('scheme, host and port only');
  });

  it('rejects an unknown revocation fail mode', () => {
    const problems = problemsOf({ ...REQUIRED, WEB_REVOCATION_FAIL_MODE: 'maybe' });

    expect(problems[0]).toContain('WEB_REVOCATION_FAIL_MODE');
  });
});
