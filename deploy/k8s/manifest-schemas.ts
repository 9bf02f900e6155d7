import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AnalysisTemplate } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { ExternalSecret } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/ExternalSecret';
import { SecretStore } from '@kubernetes-models/external-secrets/external-secrets.io/v1beta1/SecretStore';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1beta1/PeerAuthentication';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

import type { KubernetesModel } from './api-model.js';
import { ManifestError } from './errors.js';

type ModelClass = new (data: never) => KubernetesModel;

/** Every kind the charts may emit, keyed by `apiVersion/kind`, with the model that validates it. */
const modelClasses: ReadonlyMap<string, ModelClass> = new Map(
  (
    [
      Namespace,
      ServiceAccount,
      Service,
      Deployment,
      Job,
      PodDisruptionBudget,
      NetworkPolicy,
      PeerAuthentication,
      AuthorizationPolicy,
      AppProject,
      Application,
      Rollout,
      AnalysisTemplate,
      ScaledObject,
      SecretStore,
      ExternalSecret,
    ] as unknown as (ModelClass & { apiVersion: string; kind: string })[]
  ).map((model) => [`${model.apiVersion}/${model.kind}`, model]),
);

/** Returns the `apiVersion/kind` keys of the kinds that {@link validateManifest} validates. */
export function knownManifestKinds(): string[] {
  return [...modelClasses.keys()];
}

/**
 * Validates one synthesised manifest against the schema of its kind and version: the Kubernetes
 * OpenAPI schema for built-in kinds, the published CRD schema for custom resources.
 *
 * @throws {ManifestError} `MANIFEST_KIND_UNKNOWN` for a kind outside the list, or
 * `MANIFEST_INVALID` naming the object and the violation.
 */
export function validateManifest(manifest: Record<string, unknown>): void {
  const { apiVersion, kind, metadata } = manifest as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown };
  };
  const key = `${String(apiVersion)}/${String(kind)}`;
  const name = String(metadata?.name);
  const Model = modelClasses.get(key);
  if (Model === undefined) {
    throw new ManifestError(
      'MANIFEST_KIND_UNKNOWN',
      `${key} ${name} has no schema to validate against: add its model to manifest-schemas.ts`,
    );
  }

  try {
    new Model(manifest as never).validate();
  } catch (cause) {
    throw new ManifestError(
      'MANIFEST_INVALID',
      `${key} ${name} does not match its schema: ${(cause as Error).message}`,
      { cause },
    );
  }
}
