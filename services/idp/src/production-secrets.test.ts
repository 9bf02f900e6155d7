import { ConfigError } from '@palisade/config';
import { describe, expect, it } from 'vitest';

import { loadIdpConfig } from './config.js';

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadIdpConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('IdP configuration in production mode', () => {
  it('refuses plain secrets and the development mode together', () => {
    const problems = problemsOf({
      IDP_JWKS_FILE: '/run/secrets/jwks.json',
      NODE_ENV: 'production',
      IDP_MODE: 'development',
      IDP_WEB_CLIENT_SECRET: 'plain-secret',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^IDP_WEB_CLIENT_SECRET must not be set: production mode reads/),
      'IDP_MODE=development is refused when NODE_ENV=production: its secrets are public',
    ]);
  });

  it('accepts the development mode outside production mode', () => {
    expect(problemsOf({ IDP_JWKS_FILE: '/tmp/jwks.json', IDP_MODE: 'development' })).toEqual([]);
  });

  it('accepts secrets given as files', () => {
    const env = {
      IDP_JWKS_FILE: '/run/secrets/jwks.json',
      NODE_ENV: 'production',
      IDP_WEB_CLIENT_SECRET_FILE: '/run/secrets/web-client-secret',
      IDP_COOKIE_KEYS_FILE: '/run/secrets/cookie-keys',
    };
    expect(problemsOf(env)).toEqual([]);
  });
});
