import imageTags from './image-tags.json' with { type: 'json' };

/** The deployment environments, each synthesised into its own folder of manifests. */
export const environmentNames = ['dev', 'prod'] as const;

export type EnvironmentName = (typeof environmentNames)[number];

/** Settings that differ between environments; everything else is the same in both. */
export interface KubernetesEnvironment {
  readonly name: EnvironmentName;
  /** Namespace of every Palisade workload; SPIFFE IDs and mesh principals contain it. */
  readonly namespace: string;
  /** Production gets zone spreading, disruption budgets, autoscaling floors and blocking rules. */
  readonly production: boolean;
  /** Container registry that CI pushes to, without a trailing slash. */
  readonly imageRegistry: string;
  /** Immutable image tag: the 40-character commit SHA that CI built, or a `sha256:` digest. */
  readonly imageTag: string;
  /** Git repository and branch that ArgoCD reads the synthesised manifests from. */
  readonly gitOps: { readonly repoUrl: string; readonly revision: string };
  /** Enterprise OpenID Connect issuer and the API's audience. */
  readonly oidc: { readonly issuer: string; readonly audience: string };
  /** Aurora writer endpoint, its region, the database name and the isolated subnets it lives in. */
  readonly database: {
    readonly host: string;
    readonly region: string;
    readonly name: string;
    readonly cidrs: string[];
  };
  /**
   * ElastiCache for Redis of the AWS stage with the same name: primary endpoint and port, the
   * replication group ID that IAM tokens are signed for, its region, the isolated subnets it lives
   * in, and the key prefix of this environment.
   */
  readonly redis: {
    readonly host: string;
    readonly port: number;
    readonly cacheName: string;
    readonly region: string;
    readonly cidrs: string[];
    readonly keyPrefix: string;
  };
  /**
   * Addresses and CIDR ranges of the proxies in front of the public tier, set as both
   * EDGE_TRUSTED_PROXIES and WEB_TRUSTED_PROXIES. Each reads X-Forwarded-For from the right and
   * skips entries from these proxies, so the first other entry is the client address. The edge
   * forwards that address to web as the only X-Forwarded-For entry, so web, whose TCP peer is its
   * sidecar, finds the same client address on both hops and counts it in its rate limits.
   */
  readonly publicTierTrustedProxies: readonly string[];
  /** Kafka bootstrap servers and the namespace of the in-cluster brokers, for the egress rules. */
  readonly kafka: { readonly bootstrapServers: string; readonly namespace: string };
  /** Prometheus query endpoint used by KEDA and the rollout analysis. */
  readonly prometheusAddress: string;
  /** Vault address and the Kubernetes auth role of the External Secrets store. */
  readonly vault: { readonly server: string; readonly role: string; readonly mountPath: string };
}

const gitOps = { repoUrl: 'https://github.com/palisade-dev/palisade.git', revision: 'gitops' };
// The data subnets of the AWS stage with the same name (deploy/aws): the isolated subnets.
const isolatedSubnets = {
  dev: ['10.20.64.0/20', '10.20.80.0/20', '10.20.96.0/20'],
  prod: ['10.30.64.0/20', '10.30.80.0/20', '10.30.96.0/20'],
};
// The public subnets of the AWS stage with the same name, where the load balancers are.
const publicSubnets = {
  dev: ['10.20.0.0/22', '10.20.4.0/22', '10.20.8.0/22'],
  prod: ['10.30.0.0/22', '10.30.4.0/22', '10.30.8.0/22'],
};
// Source address of the connections that an Istio sidecar (1.10 or later, with the default
// REDIRECT interception) opens to its own application, so it is the TCP peer of web and the edge
// on every request.
const sidecarInboundSource = '127.0.0.6/32';

/**
 * Returns the public tier's trusted proxies for the chain that requests take. The client calls
 * CloudFront, which appends the client address to X-Forwarded-For. CloudFront calls a Network
 * Load Balancer in the public subnets, with IP targets and no client address preservation. The
 * balancer forwards TCP to the Istio ingress gateway, which appends its TCP peer, the balancer's
 * address, and routes to web or the edge. Their sidecars append nothing and are their TCP peers.
 * Skipping the sidecar and the balancer leaves the address that CloudFront appended.
 *
 * NOTE: an Application Load Balancer, or one that preserves client addresses, puts a CloudFront
 * address right of the client's, so the public tier would see CloudFront nodes as clients.
 */
function publicTierTrustedProxiesOf(loadBalancerSubnets: readonly string[]): string[] {
  return [sidecarInboundSource, ...loadBalancerSubnets];
}

/**
 * The settings of each environment. Account-specific values (registry, hosts) are examples to
 * replace in a fork; the image tags come from image-tags.json, which the CD workflow updates.
 */
export const kubernetesEnvironments: Readonly<Record<EnvironmentName, KubernetesEnvironment>> = {
  dev: {
    name: 'dev',
    namespace: 'palisade',
    production: false,
    imageRegistry: '111122223333.dkr.ecr.us-east-1.amazonaws.com/palisade',
    imageTag: imageTags.dev,
    gitOps,
    oidc: {
      issuer: 'https://login.dev.palisade.example.com',
      audience: 'https://api.palisade.local',
    },
    database: {
      host: 'palisade-dev.cluster-example.us-east-1.rds.amazonaws.com',
      region: 'us-east-1',
      name: 'palisade',
      cidrs: isolatedSubnets.dev,
    },
    redis: {
      host: 'master.palisade-dev.example.use1.cache.amazonaws.com',
      port: 6380,
      cacheName: 'palisade-dev',
      region: 'us-east-1',
      cidrs: isolatedSubnets.dev,
      keyPrefix: 'palisade-dev:',
    },
    publicTierTrustedProxies: publicTierTrustedProxiesOf(publicSubnets.dev),
    kafka: { bootstrapServers: 'kafka.kafka.svc.cluster.local:9092', namespace: 'kafka' },
    prometheusAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    vault: {
      server: 'https://vault.vault.svc.cluster.local:8200',
      role: 'palisade-dev',
      mountPath: 'kubernetes',
    },
  },
  prod: {
    name: 'prod',
    namespace: 'palisade',
    production: true,
    imageRegistry: '444455556666.dkr.ecr.us-east-1.amazonaws.com/palisade',
    imageTag: imageTags.prod,
    gitOps,
    oidc: { issuer: 'https://login.palisade.example.com', audience: 'https://api.palisade.local' },
    database: {
      host: 'palisade-prod.cluster-example.us-east-1.rds.amazonaws.com',
      region: 'us-east-1',
      name: 'palisade',
      cidrs: isolatedSubnets.prod,
    },
    redis: {
      host: 'master.palisade-prod.example.use1.cache.amazonaws.com',
      port: 6380,
      cacheName: 'palisade-prod',
      region: 'us-east-1',
      cidrs: isolatedSubnets.prod,
      keyPrefix: 'palisade-prod:',
    },
    publicTierTrustedProxies: publicTierTrustedProxiesOf(publicSubnets.prod),
    kafka: { bootstrapServers: 'kafka.kafka.svc.cluster.local:9092', namespace: 'kafka' },
    prometheusAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    vault: {
      server: 'https://vault.vault.svc.cluster.local:8200',
      role: 'palisade-prod',
      mountPath: 'kubernetes',
    },
  },
};
