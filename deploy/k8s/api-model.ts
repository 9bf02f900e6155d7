import { ApiObject, type ApiObjectProps } from 'cdk8s';
import type { Construct } from 'constructs';

import { ManifestError } from './errors.js';

/** A typed Kubernetes object from the `kubernetes-models` packages, which carry its schema. */
export interface KubernetesModel {
  readonly apiVersion: string;
  readonly kind: string;
  validate(): void;
  toJSON(): unknown;
}

/**
 * Validates `model` against the published schema of its kind and version, then adds it to the
 * chart, so a manifest that the API server would reject fails at synthesis instead of at sync.
 *
 * @throws {ManifestError} `MANIFEST_INVALID` naming the object and the schema violation.
 */
export function addModel(scope: Construct, id: string, model: KubernetesModel): ApiObject {
  try {
    model.validate();
  } catch (cause) {
    throw new ManifestError(
      'MANIFEST_INVALID',
      `${model.kind} ${id} does not match the ${model.apiVersion} schema: ${(cause as Error).message}`,
      { cause },
    );
  }
  return new ApiObject(scope, id, model.toJSON() as ApiObjectProps);
}
