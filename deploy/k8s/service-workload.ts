import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout';
import { Construct } from 'constructs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

import { addModel } from './api-model.js';
import { isAutoscaled, scaledObjectFor } from './autoscaling.js';
import { blueGreenStrategy, previewServiceName } from './blue-green.js';
import type { KubernetesEnvironment } from './environments.js';
import { servicePortOf, type ServiceDefinition } from './services.js';
import { syncWaveAnnotation, syncWaves } from './sync-waves.js';
import {
  selectorLabels,
  servicePortName,
  workloadMetadata,
  workloadPodTemplate,
} from './workload-pod.js';

/** Inputs of {@link ServiceWorkload}. */
export interface ServiceWorkloadProps {
  readonly service: ServiceDefinition;
  readonly environment: KubernetesEnvironment;
}

/**
 * One service: its ServiceAccount, Service (none if it has no port), workload (an Argo Rollout with blue/green for the
 * public tier, a Deployment otherwise), KEDA ScaledObject, and in production a
 * PodDisruptionBudget. Development runs one replica.
 */
export class ServiceWorkload extends Construct {
  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const { service, environment } = props;
    const { namespace } = environment;
    const { labels, annotations } = workloadMetadata(service);
    const waveAnnotations = syncWaveAnnotation(syncWaves[service.tier]);
    const metadata = {
      name: service.name,
      namespace,
      labels,
      annotations: { ...annotations, ...waveAnnotations },
    };

    addModel(
      this,
      'service-account',
      new ServiceAccount({
        metadata: { name: service.serviceAccount, namespace, labels, annotations: waveAnnotations },
        automountServiceAccountToken: false,
      }),
    );

    // Blue/green switches the active and preview Services, so a public service needs a port.
    const port =
      service.tier === 'public' ? servicePortOf(service, 'a blue/green Rollout') : service.port;
    const servicePorts =
      port === undefined
        ? []
        : [
            {
              name: servicePortName(service),
              appProtocol: service.meshProtocol ?? service.protocol,
              port,
              targetPort: servicePortName(service),
              protocol: 'TCP' as const,
            },
          ];
    const serviceNames: string[] = servicePorts.length === 0 ? [] : [service.name];
    if (service.tier === 'public') serviceNames.push(previewServiceName(service));
    for (const name of serviceNames) {
      addModel(
        this,
        `service-${name}`,
        new Service({
          metadata: { name, namespace, labels, annotations: waveAnnotations },
          spec: { type: 'ClusterIP', selector: selectorLabels(service), ports: servicePorts },
        }),
      );
    }

    // KEDA owns the replica count of scaled workloads; a fixed count would fight it on every sync.
    const replicas = isAutoscaled(service, environment) ? {} : { replicas: 1 };
    const selector = { matchLabels: selectorLabels(service) };
    const template = workloadPodTemplate(service, environment);
    const target =
      service.tier === 'public'
        ? { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' as const, name: service.name }
        : { apiVersion: 'apps/v1', kind: 'Deployment' as const, name: service.name };

    if (target.kind === 'Rollout') {
      addModel(
        this,
        'rollout',
        new Rollout({
          metadata,
          spec: {
            ...replicas,
            revisionHistoryLimit: 5,
            selector,
            template,
            strategy: blueGreenStrategy(service),
          },
        }),
      );
    } else {
      addModel(
        this,
        'deployment',
        new Deployment({
          metadata,
          spec: {
            ...replicas,
            revisionHistoryLimit: 5,
            selector,
            template,
            strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          },
        }),
      );
    }

    const scaledObject = scaledObjectFor(service, environment, target);
    if (scaledObject !== undefined) {
      scaledObject.metadata = { ...scaledObject.metadata, annotations: waveAnnotations };
      addModel(this, 'scaled-object', scaledObject);
    }

    if (environment.production) {
      addModel(
        this,
        'disruption-budget',
        new PodDisruptionBudget({
          metadata: { name: service.name, namespace, labels, annotations: waveAnnotations },
          spec: { maxUnavailable: 1, selector },
        }),
      );
    }
  }
}
