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
  /** Aurora writer endpoint, the database name and the isolated subnets it lives in. */
  readonly database: { readonly host: string; readonly name: string; readonly cidrs: string[] };
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
      name: 'palisade',
      cidrs: isolatedSubnets.dev,
    },
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
      name: 'palisade',
      cidrs: isolatedSubnets.prod,
    },
    kafka: { bootstrapServers: 'kafka.kafka.svc.cluster.local:9092', namespace: 'kafka' },
    prometheusAddress: 'http://prometheus-operated.monitoring.svc.cluster.local:9090',
    vault: {
      server: 'https://vault.vault.svc.cluster.local:8200',
      role: 'palisade-prod',
      mountPath: 'kubernetes',
    },
  },
};
