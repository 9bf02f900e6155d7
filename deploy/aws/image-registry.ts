import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  CfnRegistryPolicy,
  CfnReplicationConfiguration,
  Repository,
  RepositoryEncryption,
  TagMutability,
} from 'aws-cdk-lib/aws-ecr';
import { OidcProviderNative, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

import type { AwsStage } from './stages.js';

/** Images that CI builds, one repository each under `palisade/`. */
export const imageNames = ['gatekeeper', 'web', 'inventory', 'edge', 'cli'] as const;

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

/** Inputs of {@link ImageRegistry}. */
export interface ImageRegistryProps {
  readonly stage: AwsStage;
  readonly key: IKey;
  /** The production stage, whose registry receives replicated images; set on development only. */
  readonly replicateTo?: AwsStage;
  /** The development stage, whose registry may replicate into this one; set on production only. */
  readonly replicateFrom?: AwsStage;
}

/**
 * ECR repositories with immutable tags, scanning on push and KMS encryption. In development,
 * GitHub Actions pushes through OIDC (no stored keys) from the main branch only, and ECR
 * replicates every image to production, so production runs exactly the bytes that were tested.
 */
export class ImageRegistry extends Construct {
  readonly repositories: Repository[];
  readonly publisherRole?: Role;

  constructor(scope: Construct, id: string, props: ImageRegistryProps) {
    super(scope, id);
    const { stage, key } = props;
    const { partition, region, account } = Stack.of(this);

    this.repositories = imageNames.map(
      (name) =>
        new Repository(this, `Repository-${name}`, {
          repositoryName: `palisade/${name}`,
          imageTagMutability: TagMutability.IMMUTABLE,
          imageScanOnPush: true,
          encryption: RepositoryEncryption.KMS,
          encryptionKey: key,
          lifecycleRules: [{ maxImageAge: Duration.days(stage.production ? 400 : 90) }],
          removalPolicy: RemovalPolicy.RETAIN,
        }),
    );

    if (props.replicateFrom !== undefined) {
      new CfnRegistryPolicy(this, 'AcceptReplication', {
        policyText: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'ReplicationFromDevelopment',
              Effect: 'Allow',
              Principal: { AWS: `arn:${partition}:iam::${props.replicateFrom.account}:root` },
              Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
              Resource: `arn:${partition}:ecr:${region}:${account}:repository/palisade/*`,
            },
          ],
        },
      });
    }
    if (props.replicateTo === undefined) return;

    new CfnReplicationConfiguration(this, 'Replication', {
      replicationConfiguration: {
        rules: [
          {
            destinations: [
              { region: props.replicateTo.region, registryId: props.replicateTo.account },
            ],
            repositoryFilters: [{ filter: 'palisade/', filterType: 'PREFIX_MATCH' }],
          },
        ],
      },
    });

    const provider = new OidcProviderNative(this, 'GitHub', {
      url: `https://${GITHUB_ISSUER}`,
      clientIds: ['sts.amazonaws.com'],
    });
    const publisher = new Role(this, 'Publisher', {
      description: 'GitHub Actions on the main branch: push images, nothing else',
      maxSessionDuration: Duration.hours(1),
      assumedBy: new WebIdentityPrincipal(provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_ISSUER}:sub`]: `repo:${stage.githubRepository}:ref:refs/heads/main`,
        },
      }),
    });
    for (const repository of this.repositories) repository.grantPullPush(publisher);
    Validations.of(publisher).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken has no resource-level permissions; pushes are per repository',
    });
    this.publisherRole = publisher;
  }
}
