/** The AWS stages; each one is a separate account. */
export const stageNames = ['dev', 'prod'] as const;

export type StageName = (typeof stageNames)[number];

/** Settings that differ between stages. */
export interface AwsStage {
  readonly name: StageName;
  readonly production: boolean;
  readonly account: string;
  /**
   * Home region. us-east-1, because CloudFront accepts ACM certificates and WAF web ACLs only
   * from there, so the whole stage stays in one region without cross-region references.
   */
  readonly region: string;
  /** Region that receives a copy of every backup in production; undefined when none. */
  readonly backupCopyRegion?: string;
  readonly availabilityZones: readonly [string, string, string];
  readonly vpcCidr: string;
  /** Public DNS: the hosted zone and the site's name in it. */
  readonly dns: { readonly zoneId: string; readonly zoneName: string; readonly siteName: string };
  /**
   * DNS name of the load balancer that the cluster's ingress controller creates; CloudFront
   * sends `/api/*` there over HTTPS.
   */
  readonly apiOriginName: string;
  /** Name of the EKS cluster that runs the workloads. */
  readonly clusterName: string;
  /** Account whose identity provider signs the humans in, trusted by the access roles. */
  readonly identityAccount: string;
  /** GitHub repository (`owner/name`) whose workflows may push images through OIDC. */
  readonly githubRepository: string;
}

/**
 * The stages. Account ids, zone ids and names are examples to replace in a fork. The VPC CIDRs
 * yield the isolated subnets that the Kubernetes network policies allow for the database.
 */
export const awsStages: Readonly<Record<StageName, AwsStage>> = {
  dev: {
    name: 'dev',
    production: false,
    account: '111122223333',
    region: 'us-east-1',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    vpcCidr: '10.20.0.0/16',
    dns: { zoneId: 'Z0000000000000000DEV', zoneName: 'dev.palisade.example.com', siteName: 'app' },
    apiOriginName: 'api-origin.dev.palisade.example.com',
    clusterName: 'palisade-dev',
    identityAccount: '777788889999',
    githubRepository: 'palisade-dev/palisade',
  },
  prod: {
    name: 'prod',
    production: true,
    account: '444455556666',
    region: 'us-east-1',
    backupCopyRegion: 'us-west-2',
    availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    vpcCidr: '10.30.0.0/16',
    dns: { zoneId: 'Z000000000000000PROD', zoneName: 'palisade.example.com', siteName: 'app' },
    apiOriginName: 'api-origin.palisade.example.com',
    clusterName: 'palisade-prod',
    identityAccount: '777788889999',
    githubRepository: 'palisade-dev/palisade',
  },
};
