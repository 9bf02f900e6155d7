import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';

import type { KubernetesEnvironment } from './environments.js';
import type { ServiceDefinition } from './services.js';

/** Metric that the gatekeeper exports with the number of gRPC calls it is serving right now. */
export const IN_FLIGHT_METRIC = 'palisade_gatekeeper_grpc_in_flight_calls';
/** CPU utilisation, as a percentage of the request, at which production adds replicas. */
export const CPU_TARGET_PERCENT = 70;
/** In-flight gRPC calls per gatekeeper replica at which production adds replicas. */
export const IN_FLIGHT_CALLS_PER_REPLICA = 50;

/** Replica bounds in production: three replicas keep one per availability zone. */
export const productionReplicas = { min: 3, max: 12 } as const;

/** The workload a ScaledObject resizes. */
export interface ScaleTarget {
  readonly apiVersion: string;
  readonly kind: 'Deployment' | 'Rollout';
  readonly name: string;
}

/**
 * Returns whether KEDA sizes `service` in `environment`. In development only Kafka consumers are
 * scaled, to zero when their consumer group has no lag; the rest run one replica. In production
 * every tier is scaled.
 */
export function isAutoscaled(
  service: ServiceDefinition,
  environment: KubernetesEnvironment,
): boolean {
  return environment.production || service.kafka !== undefined;
}

/**
 * Builds the KEDA ScaledObject of a service, or returns undefined when {@link isAutoscaled} is
 * false. Production scales on CPU before it reaches 80% (target 70%), and the gatekeeper also on
 * its in-flight gRPC calls, so a burst of slow queries adds replicas before CPU rises.
 */
export function scaledObjectFor(
  service: ServiceDefinition,
  environment: KubernetesEnvironment,
  target: ScaleTarget,
): ScaledObject | undefined {
  if (!isAutoscaled(service, environment)) return undefined;
  const metadata = { name: service.name, namespace: environment.namespace };

  if (!environment.production) {
    const kafka = service.kafka as NonNullable<ServiceDefinition['kafka']>;
    return new ScaledObject({
      metadata,
      spec: {
        scaleTargetRef: target,
        minReplicaCount: 0,
        maxReplicaCount: 1,
        cooldownPeriod: 300,
        triggers: [
          {
            type: 'kafka',
            metadata: {
              bootstrapServers: environment.kafka.bootstrapServers,
              consumerGroup: kafka.consumerGroup,
              topic: kafka.topic,
              lagThreshold: '10',
              activationLagThreshold: '0',
            },
          },
        ],
      },
    });
  }

  const triggers: NonNullable<ScaledObject['spec']>['triggers'] = [
    { type: 'cpu', metricType: 'Utilization', metadata: { value: String(CPU_TARGET_PERCENT) } },
  ];
  if (service.name === 'gatekeeper') {
    triggers.push({
      type: 'prometheus',
      metadata: {
        serverAddress: environment.prometheusAddress,
        query: `sum(${IN_FLIGHT_METRIC}{namespace="${environment.namespace}"})`,
        threshold: String(IN_FLIGHT_CALLS_PER_REPLICA),
      },
    });
  }

  return new ScaledObject({
    metadata,
    spec: {
      scaleTargetRef: target,
      minReplicaCount: productionReplicas.min,
      maxReplicaCount: productionReplicas.max,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
        },
      },
      triggers,
    },
  });
}
