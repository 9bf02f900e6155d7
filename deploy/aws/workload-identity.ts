import { Stack } from 'aws-cdk-lib';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { GATEKEEPER_DATABASE_USER } from './database.js';

/** Namespace of the Palisade workloads' ServiceAccounts. */
export const WORKLOAD_NAMESPACE = 'palisade';

/** The cache and the one user of it that a workload may log in as. */
export interface CacheLogin {
  readonly replicationGroupArn: string;
  readonly userArn: string;
}

/** Inputs of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  readonly clusterName: string;
  /** ServiceAccount of the workload's pods, in {@link WORKLOAD_NAMESPACE}. */
  readonly serviceAccount: string;
  readonly description: string;
  readonly cache: CacheLogin;
  /**
   * Aurora cluster resource id (`cluster-...`), which `rds-db` ARNs contain. Only the gatekeeper
   * gets one: with it, the role may log in to the database as the gatekeeper's PostgreSQL user.
   */
  readonly databaseResourceId?: string;
}

/**
 * The AWS identity of one workload's ServiceAccount, bound through EKS Pod Identity: it may log
 * in to the cache as the workload's own user and, for the gatekeeper, to the database as its own
 * PostgreSQL user, and nothing else. No other role in the stage gets `rds-db:connect`, so the web
 * tier cannot obtain database credentials even with its pod's AWS identity.
 */
export class WorkloadIdentity extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);

    // Pod Identity tags each session with the cluster, namespace and ServiceAccount, so the
    // trust policy admits this cluster's ServiceAccount of the workload only.
    const podIdentity = new ServicePrincipal('pods.eks.amazonaws.com').withConditions({
      StringEquals: {
        'aws:RequestTag/eks-cluster-name': props.clusterName,
        'aws:RequestTag/kubernetes-namespace': WORKLOAD_NAMESPACE,
        'aws:RequestTag/kubernetes-service-account': props.serviceAccount,
      },
    });

    const statements: PolicyStatement[] = [];
    if (props.databaseResourceId !== undefined) {
      statements.push(
        new PolicyStatement({
          actions: ['rds-db:connect'],
          resources: [
            `arn:${partition}:rds-db:${region}:${account}:dbuser:${props.databaseResourceId}/${GATEKEEPER_DATABASE_USER}`,
          ],
        }),
      );
    }
    // ElastiCache checks `elasticache:Connect` on both the replication group and the user.
    statements.push(
      new PolicyStatement({
        actions: ['elasticache:Connect'],
        resources: [props.cache.replicationGroupArn, props.cache.userArn],
      }),
    );

    const policyName =
      props.databaseResourceId === undefined ? 'CacheLogin' : 'DatabaseAndCacheLogin';
    this.role = new Role(this, 'Role', {
      description: props.description,
      assumedBy: podIdentity.withSessionTags(),
      inlinePolicies: { [policyName]: new PolicyDocument({ statements }) },
    });

    new CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.clusterName,
      namespace: WORKLOAD_NAMESPACE,
      serviceAccount: props.serviceAccount,
      roleArn: this.role.roleArn,
    });
  }
}
