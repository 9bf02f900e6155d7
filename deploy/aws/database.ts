import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, type IVpc } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

import { auroraPostgresVersion } from './runtime-versions.js';
import type { AwsStage } from './stages.js';

/** PostgreSQL user of the gatekeeper, which logs in with IAM database authentication. */
export const GATEKEEPER_DATABASE_USER = 'palisade_gatekeeper';
/** Name of the application database. */
export const DATABASE_NAME = 'palisade';

/** Inputs of {@link PalisadeDatabase}. */
export interface PalisadeDatabaseProps {
  readonly stage: AwsStage;
  readonly vpc: IVpc;
  readonly key: IKey;
}

/**
 * Aurora PostgreSQL in the isolated subnets. Development runs one Serverless v2 writer. Production
 * runs provisioned writer and reader instances in different zones, so Aurora fails over to the
 * reader when the writer's zone fails. IAM database authentication is on, the stage's key encrypts
 * storage and the master secret, and backups allow point-in-time recovery.
 *
 * The master secret rotates every 30 days through the rotation application that AWS publishes in
 * the Serverless Application Repository.
 */
export class PalisadeDatabase extends Construct {
  readonly cluster: DatabaseCluster;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: PalisadeDatabaseProps) {
    super(scope, id);
    const { stage, vpc, key } = props;

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'Aurora PostgreSQL: reachable from the private (cluster) subnets only',
      allowAllOutbound: false,
    });
    for (const subnet of vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS })
      .subnets) {
      this.securityGroup.addIngressRule(
        Peer.ipv4(subnet.ipv4CidrBlock),
        Port.tcp(5432),
        `PostgreSQL from private subnet ${subnet.availabilityZone}`,
      );
    }

    const clusterIdentifier = `palisade-${stage.name}`;
    // Created here rather than by RDS, so the log group is encrypted with the stage's key and
    // expires without a log-retention Lambda.
    new LogGroup(this, 'PostgresLog', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      encryptionKey: key,
      retention: stage.production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const instanceDefaults = { publiclyAccessible: false, autoMinorVersionUpgrade: true };
    this.cluster = new DatabaseCluster(this, 'Cluster', {
      clusterIdentifier,
      engine: DatabaseClusterEngine.auroraPostgres({ version: auroraPostgresVersion }),
      credentials: Credentials.fromGeneratedSecret('palisade_admin', { encryptionKey: key }),
      defaultDatabaseName: DATABASE_NAME,
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      iamAuthentication: true,
      storageEncrypted: true,
      storageEncryptionKey: key,
      backup: {
        retention: Duration.days(stage.production ? 35 : 7),
        preferredWindow: '03:00-04:00',
      },
      deletionProtection: stage.production,
      removalPolicy: stage.production ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: key,
      ...(stage.production
        ? {
            writer: ClusterInstance.provisioned('Writer', instanceDefaults),
            readers: [
              ClusterInstance.provisioned('Reader', { ...instanceDefaults, promotionTier: 0 }),
            ],
          }
        : {
            writer: ClusterInstance.serverlessV2('Writer', instanceDefaults),
            serverlessV2MinCapacity: 0.5,
            serverlessV2MaxCapacity: 4,
          }),
    });

    this.cluster.addRotationSingleUser({ automaticallyAfter: Duration.days(30) });

    if (!stage.production) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason: 'Development data is disposable; deletion protection is on in production',
      });
    }
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-RDS11',
      reason:
        'The port is no secret from anything inside the VPC; the isolated subnets and the ' +
        'security group are the controls',
    });
  }
}
