import { App, Chart } from 'cdk8s';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { describe, expect, it } from 'vitest';

import { addModel } from './api-model.js';
import { ManifestError } from './errors.js';
import { knownManifestKinds, validateManifest } from './manifest-schemas.js';

function errorOf(action: () => unknown): ManifestError {
  try {
    action();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

const invalidDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: {},
    template: {
      spec: { containers: [{ name: 'web', image: 'web', ports: [{ containerPort: 'http' }] }] },
    },
  },
};

describe('validateManifest', () => {
  it('accepts a valid object', () => {
    expect(() =>
      validateManifest({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } }),
    ).not.toThrow();
  });

  it('rejects a schema violation', () => {
    const error = errorOf(() => validateManifest(invalidDeployment));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain('containerPort must be integer');
  });

  it('rejects a custom resource violation', () => {
    const scaledObject = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { name: 'web' },
        triggers: [{ type: 'cpu', metadata: { value: 70 } }],
      },
    };
    expect(errorOf(() => validateManifest(scaledObject)).code).toBe('MANIFEST_INVALID');
  });

  it('rejects an unknown kind', () => {
    const error = errorOf(() =>
      validateManifest({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    );
    expect(error.code).toBe('MANIFEST_KIND_UNKNOWN');
    expect(knownManifestKinds()).not.toContain('v1/Secret');
  });
});

describe('addModel', () => {
  it('rejects an invalid model', () => {
    const chart = new Chart(new App(), 'test');
    const error = errorOf(() => addModel(chart, 'web', new Deployment(invalidDeployment as never)));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(chart.toJson()).toHaveLength(0);
  });
});
