import { readFileSync } from 'node:fs';

import { ConfigError } from '@palisade/config';

import type { WebConfig } from './web-config.js';

/**
 * Reads the OIDC client secret from WEB_OIDC_CLIENT_SECRET_FILE. Returns undefined when the
 * variable is unset, which turns browser login off.
 *
 * @throws {ConfigError} when the file cannot be read or is empty.
 */
export function readClientSecret(config: WebConfig): string | undefined {
  const path = config.WEB_OIDC_CLIENT_SECRET_FILE;
  if (path === undefined) return undefined;

  let secret: string;
  try {
    secret = readFileSync(path, 'utf8').trim();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError('web', [
      `WEB_OIDC_CLIENT_SECRET_FILE=${JSON.stringify(path)} cannot be read (${reason}): check the path`,
    ]);
  }
  if (secret === '') {
    throw new ConfigError('web', [
      `WEB_OIDC_CLIENT_SECRET_FILE=${JSON.stringify(path)} is empty: write the client secret into it`,
    ]);
  }
  return secret;
}
