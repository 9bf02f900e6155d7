import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import type { IdpConfig } from './config.js';
import { DEVELOPMENT_WEB_CLIENT_SECRET } from './development-client.js';
import { IdpError } from './errors.js';

export { DEVELOPMENT_WEB_CLIENT_SECRET };

/** Shortest accepted secret or cookie key, in characters. */
const MIN_SECRET_LENGTH = 32;

/** Secrets the provider needs besides its signing keys. */
export interface IdpSecrets {
  readonly webClientSecret: string;
  readonly cookieKeys: readonly string[];
}

const PRODUCTION_SECRET_FILES = ['IDP_WEB_CLIENT_SECRET_FILE', 'IDP_COOKIE_KEYS_FILE'] as const;

/**
 * Reads the web client secret and the cookie keys from their files, falling
 * back to development defaults only in development mode.
 *
 * @throws IdpError `SECRET_FILE_REQUIRED` listing every file production mode
 *   lacks, or the error of the first file that cannot be read or is invalid.
 */
export async function readSecrets(config: IdpConfig): Promise<IdpSecrets> {
  if (config.IDP_MODE === 'production') {
    const missing = PRODUCTION_SECRET_FILES.filter((name) => config[name] === undefined);
    if (missing.length > 0) {
      throw new IdpError(
        'SECRET_FILE_REQUIRED',
        `${missing.join(' and ')} must be set: production mode has no development defaults`,
      );
    }
  }

  return {
    webClientSecret: await readWebClientSecret(config.IDP_WEB_CLIENT_SECRET_FILE),
    cookieKeys: await readCookieKeys(config.IDP_COOKIE_KEYS_FILE),
  };
}

async function readWebClientSecret(path: string | undefined): Promise<string> {
  if (path === undefined) return DEVELOPMENT_WEB_CLIENT_SECRET;

  const secret = (await readSecretFile('IDP_WEB_CLIENT_SECRET_FILE', path)).trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new IdpError(
      'SECRET_FILE_INVALID',
      `IDP_WEB_CLIENT_SECRET_FILE=${path} is invalid: the secret must be at least ` +
        `${MIN_SECRET_LENGTH} characters`,
    );
  }
  return secret;
}

/** Without a file a random key is generated, so sessions end when the process does. */
async function readCookieKeys(path: string | undefined): Promise<string[]> {
  if (path === undefined) return [randomBytes(32).toString('base64url')];

  const keys = (await readSecretFile('IDP_COOKIE_KEYS_FILE', path))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (keys.length === 0 || keys.some((key) => key.length < MIN_SECRET_LENGTH)) {
    throw new IdpError(
      'SECRET_FILE_INVALID',
      `IDP_COOKIE_KEYS_FILE=${path} is invalid: it must contain one key of at least ` +
        `${MIN_SECRET_LENGTH} characters per line`,
    );
  }
  return keys;
}

async function readSecretFile(variable: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new IdpError('SECRET_FILE_UNREADABLE', `${variable}=${path} could not be read`, {
      cause: error,
    });
  }
}
