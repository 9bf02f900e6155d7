import { Stack } from 'aws-cdk-lib';
import { CfnPodIdentityAssociation } from 'aws-cdk-lib/aws-eks';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

import { GATEKEEPER_DATABASE_USER } from './database.js';

/** Namespace and ServiceAccount of the gatekeeper's pods. */
export const GATEKEEPER_SERVICE_ACCOUNT = { namespace: 'palisade', name: 'gatekeeper' } as const;

/** Inputs of {@link GatekeeperIdentity}. */
export interface GatekeeperIdentityProps {
  readonly clusterName: string;
  /** Aurora cluster resource id (`cluster-...`), which `rds-db` ARNs contain. */
  readonly databaseResourceId: string;
  readonly cacheReplicationGroupArn: string;
  readonly cacheUserArn: string;
}

/**
 * The AWS identity of the gatekeeper's ServiceAccount, bound through EKS Pod Identity: it may
 * log in to the database as its own PostgreSQL user and to the cache as its own user, and
 * nothing else. No other role in the stage gets `rds-db:connect`, so the web tier cannot obtain
 * database credentials even with its pod's AWS identity.
 */
export class GatekeeperIdentity extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: GatekeeperIdentityProps) {
    super(scope, id);
    const { partition, region, account } = Stack.of(this);

    // Pod Identity tags each session with the cluster, namespace and ServiceAccount, so the
    // trust policy admits this cluster's gatekeeper ServiceAccount only.
    const podIdentity = new ServicePrincipal('pods.eks.amazonaws.com').withConditions({
      StringEquals: {
        'aws:RequestTag/eks-cluster-name': props.clusterName,
        'aws:RequestTag/kubernetes-namespace': GATEKEEPER_SERVICE_ACCOUNT.namespace,
        'aws:RequestTag/kubernetes-service-account': GATEKEEPER_SERVICE_ACCOUNT.name,
      },
    });
    this.role = new Role(this, 'Role', {
      description: 'Gatekeeper pods: IAM login to Aurora and ElastiCache as their own users',
      assumedBy: podIdentity.withSessionTags(),
      inlinePolicies: {
        DatabaseAndCacheLogin: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['rds-db:connect'],
              resources: [
                `arn:${partition}:rds-db:${region}:${account}:dbuser:${props.databaseResourceId}/${GATEKEEPER_DATABASE_USER}`,
              ],
            }),
            new PolicyStatement({
              actions: ['elasticache:Connect'],
              resources: [props.cacheReplicationGroupArn, props.cacheUserArn],
            }),
          ],
        }),
      },
    });

    new CfnPodIdentityAssociation(this, 'Association', {
      clusterName: props.clusterName,
      namespace: GATEKEEPER_SERVICE_ACCOUNT.namespace,
      serviceAccount: GATEKEEPER_SERVICE_ACCOUNT.name,
      roleArn: this.role.roleArn,
    });
  }
}
