import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { loadAuthorizationPolicy } from '@palisade/identity';
import { stringify } from 'yaml';

import { environmentNames, kubernetesEnvironments } from './environments.js';
import { validateManifest } from './manifest-schemas.js';
import { synthesiseManifests } from './palisade-manifests.js';
import { gatekeeperPolicyFile, repositoryRoot } from './repository-paths.js';

/**
 * Writes the manifests of every environment to deploy/dist-manifests/<environment>/<part>/ as
 * plain YAML, after validating each object against its schema. CD copies this folder to the
 * GitOps branch that ArgoCD reads.
 */
async function main(): Promise<void> {
  const policy = await loadAuthorizationPolicy(gatekeeperPolicyFile());
  const outputRoot = join(repositoryRoot(), 'deploy', 'dist-manifests');
  await rm(outputRoot, { recursive: true, force: true });

  for (const name of environmentNames) {
    const manifests = synthesiseManifests(kubernetesEnvironments[name], policy);
    for (const [part, objects] of Object.entries(manifests)) {
      objects.forEach(validateManifest);
      const folder = join(outputRoot, name, part);
      await mkdir(folder, { recursive: true });
      const yaml = objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
      await writeFile(join(folder, 'manifests.yaml'), yaml);
      console.log(`wrote ${objects.length} objects to ${join(folder, 'manifests.yaml')}`);
    }
  }
}

await main();
