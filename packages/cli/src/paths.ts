import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the Palisade checkout; this file runs from packages/cli/dist/. */
export const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const migrationsDirectory = resolve(repositoryRoot, 'db/migrations');

/** Entry points of the services the development supervisor starts. */
export const serviceEntryPoints = {
  idp: resolve(repositoryRoot, 'services/idp/dist/main.js'),
  gatekeeper: resolve(repositoryRoot, 'services/gatekeeper/dist/main.js'),
  web: resolve(repositoryRoot, 'services/web/dist/main.js'),
  edge: resolve(repositoryRoot, 'services/edge/dist/main.js'),
  inventory: resolve(repositoryRoot, 'services/inventory/dist/main.js'),
} as const;

export const cliEntryPoint = resolve(repositoryRoot, 'packages/cli/dist/main.js');

/** Module each service preloads with `node --import` so that tracing starts first. */
export const telemetryPreload = resolve(repositoryRoot, 'packages/telemetry/dist/register.js');

/**
 * Folder for development state (certificates, keys, embedded database):
 * PALISADE_HOME, or `.palisade` in the checkout, which git ignores.
 */
export function developmentHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env['PALISADE_HOME'] ?? resolve(repositoryRoot, '.palisade'));
}
