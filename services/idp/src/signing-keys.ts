import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Logger } from 'pino';

import { IdpError } from './errors.js';

/** Algorithm of every token the IdP signs. */
export const SIGNING_ALGORITHM = 'ES256';

/** A JSON Web Key Set containing private keys. */
export interface PrivateJwks {
  readonly keys: JWK[];
}

export interface LoadSigningKeysOptions {
  readonly path: string;
  /** When true, a missing file is created with a fresh key instead of being an error. */
  readonly createIfMissing: boolean;
  readonly logger: Logger;
}

/**
 * Reads the private signing JWKS from a file, creating it first when allowed.
 *
 * @throws IdpError `SIGNING_KEYS_MISSING` when the file does not exist and may
 *   not be created, `SIGNING_KEYS_INVALID` when it contains no usable ES256 private key.
 */
export async function loadSigningKeys(options: LoadSigningKeysOptions): Promise<PrivateJwks> {
  const text = await readJwksFile(options);
  if (text !== undefined) return parseJwks(text, options.path);

  if (!options.createIfMissing) {
    throw new IdpError(
      'SIGNING_KEYS_MISSING',
      `IDP_JWKS_FILE=${options.path} does not exist: provide the private signing JWKS ` +
        '(only development mode creates one)',
    );
  }

  return createJwksFile(options);
}

async function readJwksFile({ path }: LoadSigningKeysOptions): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    throw new IdpError('SIGNING_KEYS_INVALID', `IDP_JWKS_FILE=${path} could not be read`, {
      cause: error,
    });
  }
}

async function createJwksFile({ path, logger }: LoadSigningKeysOptions): Promise<PrivateJwks> {
  const jwks = { keys: [await generateSigningKey()] };

  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // `wx` fails when another process created the file meanwhile, so one key set wins.
    await writeFile(path, `${JSON.stringify(jwks, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (!isErrorCode(error, 'EEXIST')) throw error;
    return parseJwks(await readFile(path, 'utf8'), path);
  }

  logger.info({ path, kid: jwks.keys[0]?.kid }, 'signing key created');
  return jwks;
}

async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);

  return { ...jwk, kid, alg: SIGNING_ALGORITHM, use: 'sig' };
}

function parseJwks(text: string, path: string): PrivateJwks {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidJwks(path, 'it is not valid JSON', error);
  }

  if (!isJwks(parsed)) throw invalidJwks(path, 'it must be a JSON object with a "keys" array');

  const usable = parsed.keys.some(
    (key) => key.kty === 'EC' && key.crv === 'P-256' && typeof key.d === 'string',
  );
  if (!usable) throw invalidJwks(path, 'it contains no P-256 private key for ES256 signing');

  return parsed;
}

function isJwks(value: unknown): value is PrivateJwks {
  if (typeof value !== 'object' || value === null) return false;

  const { keys } = value as { keys?: unknown };
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null);
}

function invalidJwks(path: string, reason: string, cause?: unknown): IdpError {
  return new IdpError('SIGNING_KEYS_INVALID', `IDP_JWKS_FILE=${path} is invalid: ${reason}`, {
    cause,
  });
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
