import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const POLICY_FILE = 'services/gatekeeper/policy/authorization.json';

/**
 * Returns the repository root: the nearest folder above this module that contains the
 * gatekeeper's policy file. Found by walking up because the module runs both from source
 * (tests) and from dist/ (synthesis), at different depths.
 */
export function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, POLICY_FILE))) {
    const parent = dirname(folder);
    if (parent === folder) {
      throw new Error(`No folder above ${fileURLToPath(import.meta.url)} contains ${POLICY_FILE}`);
    }
    folder = parent;
  }
  return folder;
}

/** Returns the path of the authorisation policy file that the gatekeeper enforces in-process. */
export function gatekeeperPolicyFile(): string {
  return join(repositoryRoot(), POLICY_FILE);
}
