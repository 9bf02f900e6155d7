import { loadAuthorizationPolicy, type AuthorizationPolicy } from '@palisade/identity';

import {
  environmentNames,
  kubernetesEnvironments,
  type EnvironmentName,
} from '../k8s/environments.js';
import { synthesiseManifests, type EnvironmentManifests } from '../k8s/palisade-manifests.js';
import { gatekeeperPolicyFile } from '../k8s/repository-paths.js';

/** A synthesised manifest, read loosely: tests check fields the way the API server would. */
export type Manifest = Record<string, any>;

/** The synthesised manifests of both environments and the policy they were built from. */
export interface KubernetesFixture {
  readonly policy: AuthorizationPolicy;
  readonly manifests: Readonly<Record<EnvironmentName, EnvironmentManifests>>;
}

/** Loads the real policy file and synthesises both environments once. */
export async function synthesiseAll(): Promise<KubernetesFixture> {
  const policy = await loadAuthorizationPolicy(gatekeeperPolicyFile());
  const manifests = Object.fromEntries(
    environmentNames.map((name) => [
      name,
      synthesiseManifests(kubernetesEnvironments[name], policy),
    ]),
  ) as Record<EnvironmentName, EnvironmentManifests>;
  return { policy, manifests };
}

/** Returns every object of an environment, across its charts. */
export function allObjects(manifests: EnvironmentManifests): Manifest[] {
  return Object.values(manifests).flat();
}

/** Returns the objects of `kind`, optionally only the one named `name`. */
export function objectsOfKind(manifests: EnvironmentManifests, kind: string): Manifest[] {
  return allObjects(manifests).filter((object) => object.kind === kind);
}

/** Returns the one object of `kind` named `name`, failing the test when it is missing. */
export function objectNamed(manifests: EnvironmentManifests, kind: string, name: string): Manifest {
  const found = objectsOfKind(manifests, kind).find((object) => object.metadata?.name === name);
  if (found === undefined) throw new Error(`No ${kind} named ${name} in the manifests`);
  return found;
}

/** Workload kinds that carry a pod template. */
export const workloadKinds = ['Deployment', 'Rollout', 'Job'];

/** Returns each workload with its pod template. */
export function podTemplates(
  manifests: EnvironmentManifests,
): { owner: string; template: Manifest }[] {
  return allObjects(manifests)
    .filter((object) => workloadKinds.includes(object.kind as string))
    .map((object) => ({
      owner: `${object.kind}/${object.metadata.name}`,
      template: object.spec.template as Manifest,
    }));
}

/** Returns the sync wave of an object as a number, or undefined when it has none. */
export function syncWaveOf(object: Manifest): number | undefined {
  const wave = object.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] as string | undefined;
  return wave === undefined ? undefined : Number(wave);
}
