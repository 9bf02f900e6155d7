import type { KubernetesEnvironment } from './environments.js';
import { ManifestError } from './errors.js';
import { DATABASE_CA_SECRET, INVENTORY_DATABASE_SECRET } from './vault-secrets.js';

/**
 * Port of the admin HTTP server that serves each service's Prometheus metrics on /metrics and a
 * health check on /healthz. The pod template sets METRICS_PORT and METRICS_HOST to match it.
 */
export const METRICS_PORT = 9464;

/** Folder where a service's workload certificate, key and CA bundle are mounted. */
export const TLS_MOUNT_PATH = '/var/run/secrets/palisade/tls';

/** Folder where the CA bundle that signs the database server certificate is mounted. */
export const DATABASE_CA_MOUNT_PATH = '/var/run/secrets/palisade/database-ca';

/** Workloads that keep their store in Redis, each logging in as its own ElastiCache user. */
export const redisWorkloads = ['gatekeeper', 'web', 'inventory'] as const;

export type RedisWorkload = (typeof redisWorkloads)[number];

/** ElastiCache user ID (and user name) of a workload in an environment, as deploy/aws creates it. */
export function redisUserIdOf(environment: KubernetesEnvironment, workload: RedisWorkload): string {
  return `palisade-${environment.name}-${workload}`;
}

/** Folder where the inventory role's database password is mounted as `password`. */
export const DATABASE_PASSWORD_MOUNT_PATH = '/var/run/secrets/palisade/database-password';

/** PostgreSQL role of the inventory service, which logs in with a password from Vault. */
export const INVENTORY_DATABASE_ROLE = 'palisade_inventory';

/** Port of the gatekeeper's plaintext listener that serves only grpc.health.v1.Health. */
export const GATEKEEPER_HEALTH_PORT = 50052;

/** PostgreSQL role of the gatekeeper, which logs in with RDS IAM tokens and has no password. */
export const GATEKEEPER_DATABASE_ROLE = 'palisade_gatekeeper';

/**
 * Deployment order and role of a service: `data` has database access and deploys first,
 * `backend` runs beside it, `public` takes user traffic and deploys last with blue/green.
 */
export type Tier = 'data' | 'backend' | 'public';

/**
 * Health check of a container: the standard gRPC health service on `port`, or two HTTP paths on
 * `port`, which must be one of the container's declared ports.
 */
export type HealthCheck =
  | { readonly kind: 'grpc'; readonly port: number }
  | {
      readonly kind: 'http';
      readonly port: number;
      readonly liveness: string;
      readonly readiness: string;
    };

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
  /**
   * Port that the Service exposes. A workload without one takes no requests (a pure Kafka
   * consumer), so it gets no Service and no ingress rule.
   */
  readonly port?: number;
  readonly protocol: 'grpc' | 'http';
  /**
   * `tcp` when the service terminates TLS itself: its sidecar then receives only encrypted bytes, so
   * Istio must forward the port as opaque TCP instead of parsing `protocol`.
   */
  readonly meshProtocol?: 'tcp';
  readonly health: HealthCheck;
  /**
   * Whether the service starts the shared metrics listener (startMetricsServer). Only then does
   * the pod declare {@link METRICS_PORT}, the prometheus.io annotations and the METRICS_* variables.
   */
  readonly servesMetrics: boolean;
  /** False while only the image name exists: the manifests mark such a workload as planned. */
  readonly implemented: boolean;
  /** Secret with the workload's mTLS certificate (`tls.crt`, `tls.key`, `ca.crt`), if it uses one. */
  readonly tlsSecret?: string;
  /** Secret with `ca.crt`, the CA bundle of the database server, mounted read-only if set. */
  readonly databaseCaSecret?: string;
  /**
   * Secret with `password`, the database password, mounted read-only at
   * {@link DATABASE_PASSWORD_MOUNT_PATH} if set.
   */
  readonly databasePasswordSecret?: string;
  /**
   * Kafka topic and consumer group whose lag drives scale-to-zero in development. Only pure
   * consumers have one: the gatekeeper serves web's synchronous calls, so it never scales to zero.
   */
  readonly kafka?: { readonly topic: string; readonly consumerGroup: string };
  readonly resources: ResourceBudget;
  /** Environment variables; secrets are never among them, only paths to mounted files. */
  readonly env: Readonly<Record<string, string>>;
  /** Environment variables read from keys of Secrets that Vault fills, by variable name. */
  readonly secretEnv?: Readonly<Record<string, SecretKeyReference>>;
}

/** A key of a Kubernetes Secret. */
export interface SecretKeyReference {
  readonly secret: string;
  readonly key: string;
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

/**
 * Returns the Service port of `service`.
 *
 * @param use what needs the port, for the error message.
 * @throws {ManifestError} `SERVICE_DEFINITION_INVALID` when the service has no port.
 */
export function servicePortOf(service: ServiceDefinition, use: string): number {
  if (service.port === undefined) {
    throw new ManifestError(
      'SERVICE_DEFINITION_INVALID',
      `service ${service.name} has no port, but ${use} needs one: set its port in services.ts`,
    );
  }
  return service.port;
}

/**
 * Returns the variables that connect a workload to the environment's ElastiCache for Redis over
 * TLS, with IAM authentication as the workload's own user. ElastiCache's server certificate chains
 * to Amazon Root CA 1, which Node.js's bundled CA store contains, so no REDIS_TLS_CA_FILE is set.
 *
 * @throws {ManifestError} `ENVIRONMENT_INVALID` when the cache and the database are in different
 *   regions, because the gatekeeper signs the tokens of both with its one AWS_REGION.
 */
export function redisEnvOf(
  environment: KubernetesEnvironment,
  workload: RedisWorkload,
): Record<string, string> {
  const { redis, database } = environment;
  if (redis.region !== database.region) {
    throw new ManifestError(
      'ENVIRONMENT_INVALID',
      `environment ${environment.name} puts Redis in ${redis.region} and the database in ` +
        `${database.region}, but the services read one AWS_REGION: put both in one region`,
    );
  }
  return {
    REDIS_URL: `rediss://${redis.host}:${redis.port}`,
    REDIS_AUTH: 'elasticache-iam',
    REDIS_IAM_USER_ID: redisUserIdOf(environment, workload),
    REDIS_IAM_CACHE_NAME: redis.cacheName,
    // The cache is a replication group, not ElastiCache Serverless, so the token is signed
    // without ResourceType=ServerlessCache.
    REDIS_IAM_SERVERLESS: 'false',
    REDIS_KEY_PREFIX: redis.keyPrefix,
    AWS_REGION: redis.region,
  };
}

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
  const { namespace, oidc, database, kafka, publicTierTrustedProxies } = environment;
  const sagaEnv = { KAFKA_BROKERS: kafka.bootstrapServers, SAGA_TOPIC_PREFIX: 'palisade' };
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
      meshProtocol: 'tcp',
      health: { kind: 'grpc', port: GATEKEEPER_HEALTH_PORT },
      servesMetrics: true,
      implemented: true,
      tlsSecret: 'gatekeeper-tls',
      databaseCaSecret: DATABASE_CA_SECRET,
      resources: budget,
      env: {
        GATEKEEPER_HOST: '0.0.0.0',
        GATEKEEPER_PORT: '50051',
        GATEKEEPER_HEALTH_PORT: String(GATEKEEPER_HEALTH_PORT),
        GATEKEEPER_TLS_CERT_FILE: tlsFiles.certificate,
        GATEKEEPER_TLS_KEY_FILE: tlsFiles.key,
        GATEKEEPER_CA_FILE: tlsFiles.ca,
        // IAM database authentication: for each new connection the gatekeeper signs a token for
        // the passwordless role in the URL with its EKS Pod Identity role. It connects over TLS
        // and checks the server certificate against the RDS CA bundle and the host name.
        DATABASE_CREDENTIALS: 'rds-iam',
        DATABASE_URL: `postgres://${GATEKEEPER_DATABASE_ROLE}@${database.host}:5432/${database.name}`,
        DATABASE_TLS_CA_FILE: `${DATABASE_CA_MOUNT_PATH}/ca.crt`,
        // The gatekeeper orchestrates the sagas that the inventory takes part in, so both use
        // the same brokers and topics.
        ...sagaEnv,
        ...redisEnvOf(environment, 'gatekeeper'),
        ...oidcEnv,
        LOG_LEVEL: 'info',
      },
    },
    {
      name: 'inventory',
      serviceAccount: 'inventory',
      tier: 'backend',
      // The inventory only consumes Kafka, so it has no Service port. Its one HTTP server is the
      // metrics listener, which also serves the /healthz and /readyz that the probes call.
      protocol: 'http',
      health: { kind: 'http', port: METRICS_PORT, liveness: '/healthz', readiness: '/readyz' },
      servesMetrics: true,
      implemented: true,
      kafka: { topic: 'palisade.inventory.commands', consumerGroup: 'palisade-inventory' },
      databasePasswordSecret: INVENTORY_DATABASE_SECRET,
      databaseCaSecret: DATABASE_CA_SECRET,
      resources: smallBudget,
      env: {
        // Production mode rejects a password inside the URL, so the inventory reads it from a
        // file for each new connection, and a rotated password needs no restart. The password
        // travels only over TLS to a server that the RDS CA bundle verifies.
        DATABASE_URL: `postgres://${INVENTORY_DATABASE_ROLE}@${database.host}:5432/${database.name}`,
        DATABASE_PASSWORD_FILE: `${DATABASE_PASSWORD_MOUNT_PATH}/password`,
        DATABASE_TLS_CA_FILE: `${DATABASE_CA_MOUNT_PATH}/ca.crt`,
        ...sagaEnv,
        ...redisEnvOf(environment, 'inventory'),
        LOG_LEVEL: 'info',
      },
    },
    {
      name: 'web',
      serviceAccount: 'web',
      tier: 'public',
      port: 3000,
      protocol: 'http',
      health: { kind: 'http', port: 3000, liveness: '/api/healthz', readiness: '/api/readyz' },
      servesMetrics: true,
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
        WEB_TRUSTED_PROXIES: publicTierTrustedProxies.join(','),
        ...redisEnvOf(environment, 'web'),
      },
    },
    {
      name: 'edge',
      serviceAccount: 'edge',
      tier: 'public',
      port: 8080,
      protocol: 'http',
      health: { kind: 'http', port: 8080, liveness: '/healthz', readiness: '/healthz' },
      servesMetrics: true,
      implemented: true,
      resources: smallBudget,
      env: {
        EDGE_HOST: '0.0.0.0',
        EDGE_PORT: '8080',
        EDGE_UPSTREAM_URL: `http://web.${namespace}.svc.cluster.local:3000`,
        // The edge resolves the client address through the same proxies as web does and sends it
        // to web as the only X-Forwarded-For entry.
        EDGE_TRUSTED_PROXIES: publicTierTrustedProxies.join(','),
      },
    },
  ];
}
