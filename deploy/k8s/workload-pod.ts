import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { ITopologySpreadConstraint } from 'kubernetes-models/v1/TopologySpreadConstraint';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';

import type { KubernetesEnvironment } from './environments.js';
import { ManifestError } from './errors.js';
import { imageReference } from './image-reference.js';
import { containerSecurityContext, podSecurityContext, scratchVolume } from './pod-hardening.js';
import {
  DATABASE_CA_MOUNT_PATH,
  DATABASE_PASSWORD_MOUNT_PATH,
  METRICS_PORT,
  TLS_MOUNT_PATH,
  type ServiceDefinition,
} from './services.js';

/** Label that carries a pod's ServiceAccount, so NetworkPolicies can select callers by identity. */
export const SERVICE_ACCOUNT_LABEL = 'palisade.dev/service-account';
/** Annotation on workloads whose service has no implementation or image yet. */
export const PLANNED_ANNOTATION = 'palisade.dev/implementation';

/**
 * Name of a service's port on the container and the Service. Istio picks the protocol from its
 * prefix, so a port that carries the service's own TLS gets `tcp-`.
 */
export function servicePortName(service: ServiceDefinition): string {
  return service.meshProtocol === 'tcp' ? `tcp-${service.protocol}` : service.protocol;
}

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
  if (service.databaseCaSecret !== undefined) {
    volumes.push({
      name: 'database-ca',
      secret: { secretName: service.databaseCaSecret, defaultMode: 0o440 },
    });
    mounts.push({ name: 'database-ca', mountPath: DATABASE_CA_MOUNT_PATH, readOnly: true });
  }
  if (service.databasePasswordSecret !== undefined) {
    volumes.push({
      name: 'database-password',
      secret: { secretName: service.databasePasswordSecret, defaultMode: 0o440 },
    });
    mounts.push({
      name: 'database-password',
      mountPath: DATABASE_PASSWORD_MOUNT_PATH,
      readOnly: true,
    });
  }

  const container: IContainer = {
    name: service.name,
    image: imageReference(environment.imageRegistry, service.name, environment.imageTag),
    imagePullPolicy: 'IfNotPresent',
    ports: containerPortsOf(service),
    env: containerEnvOf(service),
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
      annotations: service.servesMetrics
        ? {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(METRICS_PORT),
            'prometheus.io/path': '/metrics',
          }
        : {},
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

/**
 * Lists the container's ports: the Service port if the service has one, a separate gRPC health
 * port, and the metrics port if the service serves metrics.
 *
 * @throws {ManifestError} `SERVICE_DEFINITION_INVALID` when the health check's port is not
 * among them, because a probe on an undeclared port fails on every pod.
 */
function containerPortsOf(service: ServiceDefinition): IContainerPort[] {
  const ports: IContainerPort[] = [];
  if (service.port !== undefined) {
    ports.push({ name: servicePortName(service), containerPort: service.port, protocol: 'TCP' });
  }
  if (service.health.kind === 'grpc' && service.health.port !== service.port) {
    ports.push({ name: 'grpc-health', containerPort: service.health.port, protocol: 'TCP' });
  }
  if (service.servesMetrics) {
    ports.push({ name: 'http-metrics', containerPort: METRICS_PORT, protocol: 'TCP' });
  }

  const healthPort = service.health.port;
  if (!ports.some((port) => port.containerPort === healthPort)) {
    throw new ManifestError(
      'SERVICE_DEFINITION_INVALID',
      `service ${service.name} probes port ${healthPort}, which its container does not declare: ` +
        `use one of ${ports.map((port) => port.containerPort).join(', ') || 'no ports'} or ` +
        'declare the port in services.ts',
    );
  }
  return ports;
}

/**
 * Lists the container's variables: the service's own, METRICS_HOST and METRICS_PORT for the
 * metrics listener, and the Secret references.
 *
 * @throws {ManifestError} `SERVICE_DEFINITION_INVALID` when the service sets METRICS_HOST or
 * METRICS_PORT itself, which would disagree with the declared metrics port.
 */
function containerEnvOf(service: ServiceDefinition): IEnvVar[] {
  // The services default to 127.0.0.1, which Prometheus cannot reach from outside the pod.
  const metricsEnv: Record<string, string> = service.servesMetrics
    ? { METRICS_HOST: '0.0.0.0', METRICS_PORT: String(METRICS_PORT) }
    : {};
  const names = [...Object.keys(service.env), ...Object.keys(service.secretEnv ?? {})];
  for (const name of Object.keys(metricsEnv)) {
    if (names.includes(name)) {
      throw new ManifestError(
        'SERVICE_DEFINITION_INVALID',
        `service ${service.name} sets ${name}, which the pod template derives from METRICS_PORT: ` +
          'remove it from the service definition',
      );
    }
  }

  const plain = Object.entries({ ...service.env, ...metricsEnv }).map(([name, value]) => ({
    name,
    value,
  }));
  const secret = Object.entries(service.secretEnv ?? {}).map(([name, reference]) => ({
    name,
    valueFrom: { secretKeyRef: { name: reference.secret, key: reference.key } },
  }));
  return [...plain, ...secret];
}

function probesOf(
  service: ServiceDefinition,
): Pick<IContainer, 'livenessProbe' | 'readinessProbe'> {
  const timing = { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 };

  if (service.health.kind === 'grpc') {
    // Kubelet gRPC probes send no client certificate, so they go to a plaintext port that serves
    // only grpc.health.v1.Health. Istio's probe rewrite sends them from the sidecar agent.
    const probe: IProbe = { grpc: { port: service.health.port }, ...timing };
    return { livenessProbe: { ...probe, initialDelaySeconds: 10 }, readinessProbe: probe };
  }

  return {
    livenessProbe: {
      httpGet: { path: service.health.liveness, port: service.health.port },
      initialDelaySeconds: 10,
      ...timing,
    },
    readinessProbe: {
      httpGet: { path: service.health.readiness, port: service.health.port },
      ...timing,
    },
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
