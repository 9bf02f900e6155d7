import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';

import { kubernetesEnvironments } from './environments.js';
import { ManifestError } from './errors.js';
import { ServiceWorkload } from './service-workload.js';
import {
  METRICS_PORT,
  redisEnvOf,
  serviceDefinitions,
  servicePortOf,
  type ServiceDefinition,
} from './services.js';
import { PLANNED_ANNOTATION, workloadMetadata, workloadPodTemplate } from './workload-pod.js';

const environment = kubernetesEnvironments.dev;

function definitionOf(name: ServiceDefinition['name']): ServiceDefinition {
  const found = serviceDefinitions(environment, 'palisade.local').find(
    (service) => service.name === name,
  );
  if (found === undefined) throw new Error(`No service definition named ${name}`);
  return found;
}

function errorOf(action: () => unknown): ManifestError {
  try {
    action();
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('workloadPodTemplate', () => {
  it('marks a service without an image as planned', () => {
    const planned = { ...definitionOf('edge'), implemented: false };

    expect(workloadMetadata(planned).annotations[PLANNED_ANNOTATION]).toMatch(/^planned:/);
    expect(workloadMetadata(definitionOf('edge')).annotations).toEqual({});
  });

  it('sets the metrics variables from METRICS_PORT', () => {
    const env = workloadPodTemplate(definitionOf('inventory'), environment).spec?.containers[0]
      ?.env;

    expect(env).toContainEqual({ name: 'METRICS_HOST', value: '0.0.0.0' });
    expect(env).toContainEqual({ name: 'METRICS_PORT', value: String(METRICS_PORT) });
  });

  it('rejects a probe on an undeclared port', () => {
    // Without the metrics listener the inventory declares no port for its /healthz probes.
    const service = { ...definitionOf('inventory'), servesMetrics: false };
    const error = errorOf(() => workloadPodTemplate(service, environment));

    expect(error.code).toBe('SERVICE_DEFINITION_INVALID');
    expect(error.message).toContain(`service inventory probes port ${METRICS_PORT}`);
    expect(error.message).toContain('use one of no ports');
  });

  it('rejects METRICS_PORT in the service variables', () => {
    const web = definitionOf('web');
    const service = { ...web, env: { ...web.env, METRICS_PORT: '9465' } };
    const error = errorOf(() => workloadPodTemplate(service, environment));

    expect(error.code).toBe('SERVICE_DEFINITION_INVALID');
    expect(error.message).toContain('service web sets METRICS_PORT');
  });

  it('rejects METRICS_HOST from a Secret', () => {
    const inventory = definitionOf('inventory');
    const service = {
      ...inventory,
      secretEnv: { ...inventory.secretEnv, METRICS_HOST: { secret: 'other', key: 'host' } },
    };
    const error = errorOf(() => workloadPodTemplate(service, environment));

    expect(error.code).toBe('SERVICE_DEFINITION_INVALID');
    expect(error.message).toContain('service inventory sets METRICS_HOST');
  });
});

describe('servicePortOf', () => {
  it('returns the Service port', () => {
    expect(servicePortOf(definitionOf('web'), 'a test')).toBe(3000);
  });

  it('rejects a service without a port', () => {
    const error = errorOf(() => servicePortOf(definitionOf('inventory'), 'a NetworkPolicy rule'));

    expect(error.code).toBe('SERVICE_DEFINITION_INVALID');
    expect(error.message).toBe(
      'service inventory has no port, but a NetworkPolicy rule needs one: set its port in ' +
        'services.ts',
    );
  });
});

describe('ServiceWorkload', () => {
  it('rejects a public service without a port', () => {
    const edge = { ...definitionOf('edge'), port: undefined };
    const chart = new Chart(new App(), 'public');
    const error = errorOf(() => new ServiceWorkload(chart, 'edge', { service: edge, environment }));

    expect(error.code).toBe('SERVICE_DEFINITION_INVALID');
    expect(error.message).toContain('service edge has no port, but a blue/green Rollout');
  });
});

describe('redisEnvOf', () => {
  it('rejects Redis outside the database region', () => {
    const split = { ...environment, redis: { ...environment.redis, region: 'us-west-2' } };
    const error = errorOf(() => redisEnvOf(split, 'web'));

    expect(error.code).toBe('ENVIRONMENT_INVALID');
    expect(error.message).toBe(
      'environment dev puts Redis in us-west-2 and the database in us-east-1, but the ' +
        'services read one AWS_REGION: put both in one region',
    );
  });
});
