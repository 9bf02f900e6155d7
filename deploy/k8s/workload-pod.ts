import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ITopologySpreadConstraint } from 'kubernetes-models/v1/TopologySpreadConstraint';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

import type { KubernetesEnvironment } from './environments.js';
import { imageReference } from './image-reference.js';
import { containerSecurityContext, podSecurityContext, scratchVolume } from './pod-hardening.js';
import { METRICS_PORT, TLS_MOUNT_PATH, type ServiceDefinition } from './services.js';

/** Label that carries a pod's ServiceAccount, so NetworkPolicies can select callers by identity. */
export const SERVICE_ACCOUNT_LABEL = 'palisade.dev/service-account';
/** Annotation on workloads whose service has no implementation or image yet. */
export const PLANNED_ANNOTATION = 'palisade.dev/implementation';

/** Labels that select the pods of one service. */
export function selectorLabels(service: { readonly name: string }): Record<string, string> {
  return { 'app.kubernetes.io/name': service.name, 'app.kubernetes.io/part-of': 'palisade' };
}

/** Labels and annotations put on a service's workload object itself. */
export function workloadMetadata(service: ServiceDefinition): {
  labels: Record<string, string>;
  annotations: Record<string, string>;
} {
  const annotations: Record<string, string> = service.implemented
    ? {}
    : {
        [PLANNED_ANNOTATION]:
          'planned: the service is not implemented yet, so its image does not exist in the registry',
      };
  return {
    labels: { ...selectorLabels(service), 'palisade.dev/tier': service.tier },
    annotations,
  };
}

/**
 * Builds the pod template of a service: hardened security contexts, resource requests and limits,
 * probes on the health endpoints, the workload certificate as read-only files, and zone spreading
 * in production.
 */
export function workloadPodTemplate(
  service: ServiceDefinition,
  environment: KubernetesEnvironment,
): IPodTemplateSpec {
  const scratch = scratchVolume();
  const volumes: IVolume[] = [scratch.volume];
  const mounts: IVolumeMount[] = [scratch.mount];
  if (service.tlsSecret !== undefined) {
    volumes.push({ name: 'tls', secret: { secretName: service.tlsSecret, defaultMode: 0o440 } });
    mounts.push({ name: 'tls', mountPath: TLS_MOUNT_PATH, readOnly: true });
  }

  const container: IContainer = {
    name: service.name,
    image: imageReference(environment.imageRegistry, service.name, environment.imageTag),
    imagePullPolicy: 'IfNotPresent',
    ports: [
      { name: service.protocol, containerPort: service.port, protocol: 'TCP' },
      { name: 'http-metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
    ],
    env: Object.entries(service.env).map(([name, value]) => ({ name, value })),
    resources: {
      requests: {
        cpu: `${service.resources.cpuRequest}m`,
        memory: `${service.resources.memoryRequest}Mi`,
      },
      limits: {
        cpu: `${service.resources.cpuLimit}m`,
        memory: `${service.resources.memoryLimit}Mi`,
      },
    },
    ...probesOf(service),
    securityContext: containerSecurityContext(),
    volumeMounts: mounts,
  };

  return {
    metadata: {
      labels: {
        ...selectorLabels(service),
        [SERVICE_ACCOUNT_LABEL]: service.serviceAccount,
        'sidecar.istio.io/inject': 'true',
      },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(METRICS_PORT),
        'prometheus.io/path': '/metrics',
      },
    },
    spec: {
      serviceAccountName: service.serviceAccount,
      // No workload calls the Kubernetes API; EKS Pod Identity mounts its own token where needed.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(),
      terminationGracePeriodSeconds: 30,
      containers: [container],
      volumes,
      ...(environment.production ? { topologySpreadConstraints: zoneSpread(service) } : {}),
    },
  };
}

function probesOf(
  service: ServiceDefinition,
): Pick<IContainer, 'livenessProbe' | 'readinessProbe'> {
  const timing = { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 };

  if (service.health.kind === 'grpc') {
    // TODO: kubelet gRPC probes send no client certificate, and the gatekeeper serves only mutual
    // TLS; these probes pass once it also serves grpc.health.v1 without TLS on the pod network.
    const probe: IProbe = { grpc: { port: service.port }, ...timing };
    return { livenessProbe: { ...probe, initialDelaySeconds: 10 }, readinessProbe: probe };
  }

  return {
    livenessProbe: {
      httpGet: { path: service.health.liveness, port: service.port },
      initialDelaySeconds: 10,
      ...timing,
    },
    readinessProbe: { httpGet: { path: service.health.readiness, port: service.port }, ...timing },
  };
}

/** Spreads replicas evenly over the availability zones, and over nodes within a zone if possible. */
function zoneSpread(service: ServiceDefinition): ITopologySpreadConstraint[] {
  const labelSelector = { matchLabels: selectorLabels(service) };
  return [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector,
    },
    {
      maxSkew: 1,
      topologyKey: 'kubernetes.io/hostname',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector,
    },
  ];
}
