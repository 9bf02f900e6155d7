import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { DEVELOPMENT_WEB_CLIENT_SECRET } from '@palisade/idp/development-client';

/**
 * Writes the development IdP's web client secret to `path` (mode 0600), where the web tier reads
 * it from WEB_OIDC_CLIENT_SECRET_FILE. The secret is public and valid only in the IdP's
 * development mode, which is the only mode `palisade dev` runs.
 */
export async function writeWebClientSecret(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${DEVELOPMENT_WEB_CLIENT_SECRET}\n`, { mode: 0o600 });
}
