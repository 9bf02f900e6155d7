import { readFileSync } from 'node:fs';

import { ConfigError } from '@palisade/config';

import type { WebConfig } from './web-config.js';

/** PEM contents of the files that set up the mTLS channel to the gatekeeper. */
export interface TlsFiles {
  readonly ca: Buffer;
  readonly certificate: Buffer;
  readonly privateKey: Buffer;
}

/**
 * Reads the CA, certificate and key files named by the configuration.
 *
 * @throws {ConfigError} listing every file that cannot be read.
 */
export function readTlsFiles(config: WebConfig): TlsFiles {
  const problems: string[] = [];
  const read = (variable: keyof WebConfig, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      problems.push(
        `${variable}=${JSON.stringify(path)} cannot be read (${reason}): check the path`,
      );
      return Buffer.alloc(0);
    }
  };

  const files = {
    ca: read('GATEKEEPER_CA_FILE', config.GATEKEEPER_CA_FILE),
    certificate: read('WEB_TLS_CERT_FILE', config.WEB_TLS_CERT_FILE),
    privateKey: read('WEB_TLS_KEY_FILE', config.WEB_TLS_KEY_FILE),
  };
  if (problems.length > 0) throw new ConfigError('web', problems);
  return files;
}
