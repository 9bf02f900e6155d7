import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, type IVpc } from 'aws-cdk-lib/aws-ec2';
import {
  CfnReplicationGroup,
  CfnSubnetGroup,
  CfnUser,
  CfnUserGroup,
} from 'aws-cdk-lib/aws-elasticache';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import { runtimeVersions } from './runtime-versions.js';
import type { AwsStage, StageName } from './stages.js';

/** Port of the cache; not the default 6379, which scanners probe first. */
export const CACHE_PORT = 6380;

/** Workloads that keep their store in the cache, each with its own IAM-authenticated user. */
export const cacheWorkloads = ['gatekeeper', 'web', 'inventory'] as const;

export type CacheWorkload = (typeof cacheWorkloads)[number];

/** Replication group ID of a stage's cache, which IAM tokens are signed for. */
export function cacheReplicationGroupId(stage: StageName): string {
  return `palisade-${stage}`;
}

/**
 * ElastiCache user ID of a workload in a stage. IAM authentication requires the user name to
 * equal the ID, so this is both.
 */
export function cacheUserId(stage: StageName, workload: CacheWorkload): string {
  return `palisade-${stage}-${workload}`;
}

/**
 * Prefix of every key the workloads of a stage write, which each cache user is limited to: a
 * workload cannot read or write keys outside it.
 */
export function cacheKeyPrefix(stage: StageName): string {
  return `palisade-${stage}:`;
}

/** Inputs of {@link PalisadeCache}. */
export interface PalisadeCacheProps {
  readonly stage: AwsStage;
  readonly vpc: IVpc;
  readonly key: IKey;
}

/**
 * ElastiCache for Redis in the isolated subnets, encrypted in transit (TLS required) and at rest
 * with the stage's key. Clients authenticate with IAM: the default user is disabled, and each
 * workload in {@link cacheWorkloads} has a user of its own that accepts only IAM tokens.
 * Production runs a primary and two replicas across zones with automatic failover.
 */
export class PalisadeCache extends Construct {
  readonly replicationGroup: CfnReplicationGroup;
  /** The IAM-authenticated user of each workload, whose ID is also its name. */
  readonly users: Readonly<Record<CacheWorkload, CfnUser>>;

  constructor(scope: Construct, id: string, props: PalisadeCacheProps) {
    super(scope, id);
    const { stage, vpc, key } = props;
    const prefix = `palisade-${stage.name}`;

    const securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Redis: reachable from the private (cluster) subnets only',
      allowAllOutbound: false,
    });
    for (const subnet of vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS })
      .subnets) {
      securityGroup.addIngressRule(
        Peer.ipv4(subnet.ipv4CidrBlock),
        Port.tcp(CACHE_PORT),
        `Redis from private subnet ${subnet.availabilityZone}`,
      );
    }

    const subnetGroup = new CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets of the Palisade cache',
      subnetIds: vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_ISOLATED }).subnetIds,
    });

    // A user group must contain a user named "default"; this one is switched off.
    const defaultUser = new CfnUser(this, 'DefaultUser', {
      engine: 'redis',
      userId: `${prefix}-default`,
      userName: 'default',
      accessString: 'off -@all',
      authenticationMode: { Type: 'no-password-required' },
    });
    const users = cacheWorkloads.map((workload) => {
      const userId = cacheUserId(stage.name, workload);
      const logicalId = `${workload.charAt(0).toUpperCase()}${workload.slice(1)}User`;
      const user = new CfnUser(this, logicalId, {
        engine: 'redis',
        userId,
        userName: userId,
        // INFO is in @dangerous, but the Redis client's ready check needs it: without it the
        // client treats a server that is still loading its data as ready.
        accessString: `on ~${cacheKeyPrefix(stage.name)}* +@all -@dangerous +info`,
        authenticationMode: { Type: 'iam' },
      });
      return [workload, user] as const;
    });
    this.users = Object.fromEntries(users) as Record<CacheWorkload, CfnUser>;
    const userGroup = new CfnUserGroup(this, 'UserGroup', {
      engine: 'redis',
      userGroupId: `${prefix}-users`,
      userIds: [defaultUser.userId, ...users.map(([, user]) => user.userId)],
    });
    userGroup.addResourceDependency(defaultUser);
    for (const [, user] of users) userGroup.addResourceDependency(user);

    const slowLog = new LogGroup(this, 'SlowLog', {
      encryptionKey: key,
      retention: stage.production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.replicationGroup = new CfnReplicationGroup(this, 'ReplicationGroup', {
      // A fixed ID, because the workloads sign their IAM tokens for it (REDIS_IAM_CACHE_NAME).
      // NOTE: CloudFormation replaces a deployed replication group when this ID is added, and the
      // new one starts empty, so sessions and revocations are lost once.
      replicationGroupId: cacheReplicationGroupId(stage.name),
      replicationGroupDescription: `Palisade ${stage.name} cache`,
      engine: 'redis',
      engineVersion: runtimeVersions.redis,
      cacheNodeType: stage.production ? 'cache.r7g.large' : 'cache.t4g.micro',
      numCacheClusters: stage.production ? 3 : 1,
      automaticFailoverEnabled: stage.production,
      multiAzEnabled: stage.production,
      port: CACHE_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      kmsKeyId: key.keyArn,
      userGroupIds: [userGroup.ref],
      snapshotRetentionLimit: stage.production ? 7 : 1,
      autoMinorVersionUpgrade: true,
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          logFormat: 'json',
          logType: 'slow-log',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
        },
      ],
    });
    this.replicationGroup.addResourceDependency(userGroup);

    Validations.of(this.replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC6',
      reason:
        'Clients authenticate with IAM through the user group, which replaces the shared AUTH ' +
        'token that this rule looks for',
    });
    if (!stage.production) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason: 'Development runs one cache node; production runs three across zones',
      });
    }
  }

  /** ARN of the replication group, for `elasticache:Connect` grants. */
  replicationGroupArn(): string {
    const { partition, region, account } = Stack.of(this);
    return `arn:${partition}:elasticache:${region}:${account}:replicationgroup:${this.replicationGroup.ref}`;
  }

  /** ARN of a workload's cache user, for `elasticache:Connect` grants. */
  userArn(workload: CacheWorkload): string {
    const { partition, region, account } = Stack.of(this);
    return `arn:${partition}:elasticache:${region}:${account}:user:${this.users[workload].userId}`;
  }
}
