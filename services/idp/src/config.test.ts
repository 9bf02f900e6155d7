import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadIdpConfig } from './config.js';

const required = { IDP_JWKS_FILE: '/tmp/jwks.json' };

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadIdpConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadIdpConfig', () => {
  it('fills the documented defaults', () => {
    const config = loadIdpConfig(required);

    expect(config.IDP_HOST).toBe('127.0.0.1');
    expect(config.IDP_PORT).toBe(4000);
    expect(config.IDP_ISSUER).toBe('http://127.0.0.1:4000');
    expect(config.IDP_MODE).toBe('production');
    expect(config.IDP_API_AUDIENCE).toBe('https://api.palisade.local');
    expect(config.IDP_WEB_CLIENT_ID).toBe('palisade-web');
    expect(config.IDP_ACCESS_TOKEN_TTL_SECONDS).toBe(600);
    expect(config.IDP_WEB_CLIENT_SECRET_FILE).toBeUndefined();
    expect(config.IDP_COOKIE_KEYS_FILE).toBeUndefined();
  });

  it('splits the redirect URIs', () => {
    const config = loadIdpConfig({
      ...required,
      IDP_WEB_REDIRECT_URIS: ' http://127.0.0.1:3000/cb , http://127.0.0.1:8080/cb,',
    });

    expect(config.IDP_WEB_REDIRECT_URIS).toEqual([
      'http://127.0.0.1:3000/cb',
      'http://127.0.0.1:8080/cb',
    ]);
  });

  it('rejects a redirect URI that is not a URL', () => {
    const problems = problemsOf({ ...required, IDP_WEB_REDIRECT_URIS: 'callback' });

    expect(problems).toEqual([
      'IDP_WEB_REDIRECT_URIS="callback" is invalid: it must be a comma-separated list of absolute URLs',
    ]);
  });

  it('rejects an empty redirect URI list', () => {
    const problems = problemsOf({ ...required, IDP_WEB_REDIRECT_URIS: ' , ' });

    expect(problems).toHaveLength(1);
  });

  it('lists every invalid variable', () => {
    const problems = problemsOf({ IDP_PORT: 'abc', IDP_MODE: 'staging' });

    expect(problems).toContain('IDP_JWKS_FILE is missing: set it in the environment');
    expect(problems.some((problem) => problem.startsWith('IDP_PORT="abc" is invalid'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('IDP_MODE="staging" is invalid'))).toBe(
      true,
    );
  });

  it('rejects a non-positive token lifetime', () => {
    const problems = problemsOf({ ...required, IDP_ACCESS_TOKEN_TTL_SECONDS: '0' });

    expect(problems).toEqual(['IDP_ACCESS_TOKEN_TTL_SECONDS=0 is invalid: it must be >= 1']);
  });
});
