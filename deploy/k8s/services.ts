import type { KubernetesEnvironment } from './environments.js';

/** Port of the admin HTTP server that serves each service's Prometheus metrics. */
export const METRICS_PORT = 9464;

/** Folder where a service's workload certificate, key and CA bundle are mounted. */
export const TLS_MOUNT_PATH = '/var/run/secrets/palisade/tls';

/**
 * Deployment order and role of a service: `data` has database access and deploys first,
 * `backend` runs beside it, `public` takes user traffic and deploys last with blue/green.
 */
export type Tier = 'data' | 'backend' | 'public';

/** Health check of a container: the standard gRPC health service, or two HTTP paths. */
export type HealthCheck =
  | { readonly kind: 'grpc' }
  | { readonly kind: 'http'; readonly liveness: string; readonly readiness: string };

/** CPU in millicores and memory in MiB. */
export interface ResourceBudget {
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
}

/** One deployable service and everything the manifests need to know about it. */
export interface ServiceDefinition {
  readonly name: 'gatekeeper' | 'web' | 'inventory' | 'edge';
  /** Kubernetes ServiceAccount, which is also the last segment of the workload's SPIFFE ID. */
  readonly serviceAccount: string;
  readonly tier: Tier;
  readonly port: number;
  readonly protocol: 'grpc' | 'http';
  readonly health: HealthCheck;
  /** False while only the image name exists: the manifests mark such a workload as planned. */
  readonly implemented: boolean;
  /** Secret with the workload's mTLS certificate (`tls.crt`, `tls.key`, `ca.crt`), if it uses one. */
  readonly tlsSecret?: string;
  /**
   * Kafka topic and consumer group whose lag drives scale-to-zero in development. Only pure
   * consumers have one: the gatekeeper serves web's synchronous calls, so it never scales to zero.
   */
  readonly kafka?: { readonly topic: string; readonly consumerGroup: string };
  readonly resources: ResourceBudget;
  /** Environment variables; secrets are never among them, only paths to mounted files. */
  readonly env: Readonly<Record<string, string>>;
}

const smallBudget: ResourceBudget = {
  cpuRequest: 100,
  cpuLimit: 500,
  memoryRequest: 128,
  memoryLimit: 256,
};
const serviceBudget: ResourceBudget = {
  cpuRequest: 250,
  cpuLimit: 1000,
  memoryRequest: 256,
  memoryLimit: 512,
};

/** Returns the SPIFFE ID of a ServiceAccount in the form the in-process policy uses. */
export function spiffeIdOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/**
 * Lists the services deployed in `environment`. The development IdP is not among them: each
 * environment trusts its enterprise issuer instead.
 *
 * @param trustDomain the trust domain of the in-process authorisation policy.
 */
export function serviceDefinitions(
  environment: KubernetesEnvironment,
  trustDomain: string,
): readonly ServiceDefinition[] {
  const { namespace, oidc, database, kafka } = environment;
  const budget = environment.production ? serviceBudget : smallBudget;
  const tlsFiles = {
    certificate: `${TLS_MOUNT_PATH}/tls.crt`,
    key: `${TLS_MOUNT_PATH}/tls.key`,
    ca: `${TLS_MOUNT_PATH}/ca.crt`,
  };
  const oidcEnv = { OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience };

  return [
    {
      name: 'gatekeeper',
      serviceAccount: 'gatekeeper',
      tier: 'data',
      port: 50051,
      protocol: 'grpc',
      health: { kind: 'grpc' },
      implemented: true,
      tlsSecret: 'gatekeeper-tls',
      resources: budget,
      env: {
        GATEKEEPER_HOST: '0.0.0.0',
        GATEKEEPER_PORT: '50051',
        GATEKEEPER_TLS_CERT_FILE: tlsFiles.certificate,
        GATEKEEPER_TLS_KEY_FILE: tlsFiles.key,
        GATEKEEPER_CA_FILE: tlsFiles.ca,
        // TODO: the gatekeeper reads a static DATABASE_URL; IAM database authentication needs an
        // RDS token provider in the gatekeeper before this passwordless user can log in.
        DATABASE_URL: `postgres://palisade_gatekeeper@${database.host}:5432/${database.name}`,
        ...oidcEnv,
        LOG_LEVEL: 'info',
      },
    },
    {
      name: 'inventory',
      serviceAccount: 'inventory',
      tier: 'backend',
      port: 3100,
      protocol: 'http',
      health: { kind: 'http', liveness: '/healthz', readiness: '/healthz' },
      implemented: false,
      kafka: { topic: 'palisade.inventory.commands', consumerGroup: 'palisade-inventory' },
      resources: smallBudget,
      env: {
        INVENTORY_HOST: '0.0.0.0',
        INVENTORY_PORT: '3100',
        KAFKA_BROKERS: kafka.bootstrapServers,
        LOG_LEVEL: 'info',
      },
    },
    {
      name: 'web',
      serviceAccount: 'web',
      tier: 'public',
      port: 3000,
      protocol: 'http',
      health: { kind: 'http', liveness: '/api/healthz', readiness: '/api/readyz' },
      implemented: true,
      tlsSecret: 'web-tls',
      resources: budget,
      env: {
        WEB_HOST: '0.0.0.0',
        WEB_PORT: '3000',
        ...oidcEnv,
        GATEKEEPER_ADDRESS: `gatekeeper.${namespace}.svc.cluster.local:50051`,
        GATEKEEPER_SPIFFE_ID: spiffeIdOf(trustDomain, namespace, 'gatekeeper'),
        GATEKEEPER_CA_FILE: tlsFiles.ca,
        WEB_TLS_CERT_FILE: tlsFiles.certificate,
        WEB_TLS_KEY_FILE: tlsFiles.key,
      },
    },
    {
      name: 'edge',
      serviceAccount: 'edge',
      tier: 'public',
      port: 8080,
      protocol: 'http',
      health: { kind: 'http', liveness: '/healthz', readiness: '/healthz' },
      implemented: false,
      resources: smallBudget,
      env: {
        EDGE_HOST: '0.0.0.0',
        EDGE_PORT: '8080',
        EDGE_UPSTREAM_URL: `http://web.${namespace}.svc.cluster.local:3000`,
      },
    },
  ];
}
