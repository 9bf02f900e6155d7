import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  BackupPlan,
  BackupPlanRule,
  BackupResource,
  BackupVault,
  type BackupPlanCopyActionProps,
} from 'aws-cdk-lib/aws-backup';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { DatabaseCluster } from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

import type { AwsStage } from './stages.js';

/** Days that backups are kept; also the point-in-time recovery window of the database. */
export function backupRetentionDays(stage: AwsStage): number {
  return stage.production ? 35 : 7;
}

/** Name of the vault in the backup copy region. */
export function copyVaultName(stage: AwsStage): string {
  return `palisade-${stage.name}-copy`;
}

/**
 * The vault lock: recovery points cannot be deleted before `minRetention`, not even by the
 * account root. With `changeableFor` the lock is in compliance mode and, once those days pass,
 * can never be removed; production uses that, development keeps governance mode.
 */
export function vaultLock(stage: AwsStage): {
  minRetention: Duration;
  maxRetention: Duration;
  changeableFor?: Duration;
} {
  return {
    minRetention: Duration.days(7),
    maxRetention: Duration.days(400),
    ...(stage.production ? { changeableFor: Duration.days(3) } : {}),
  };
}

/** Inputs of {@link DataBackups}. */
export interface DataBackupsProps {
  readonly stage: AwsStage;
  readonly key: IKey;
  readonly database: DatabaseCluster;
}

/**
 * AWS Backup for the database: continuous backups for point-in-time recovery within the
 * retention window, kept in a locked vault encrypted with the stage's key, and in production a
 * daily copy to a locked vault in a second region.
 */
export class DataBackups extends Construct {
  readonly vault: BackupVault;

  constructor(scope: Construct, id: string, props: DataBackupsProps) {
    super(scope, id);
    const { stage, key, database } = props;
    const retention = Duration.days(backupRetentionDays(stage));

    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: `palisade-${stage.name}`,
      encryptionKey: key,
      lockConfiguration: vaultLock(stage),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const copyActions: BackupPlanCopyActionProps[] = [];
    if (stage.backupCopyRegion !== undefined) {
      const { partition, account } = Stack.of(this);
      const arn = `arn:${partition}:backup:${stage.backupCopyRegion}:${account}:backup-vault:${copyVaultName(stage)}`;
      copyActions.push({
        destinationBackupVault: BackupVault.fromBackupVaultArn(this, 'CopyVault', arn),
        deleteAfter: retention,
      });
    }

    const plan = new BackupPlan(this, 'Plan', {
      backupPlanName: `palisade-${stage.name}`,
      backupVault: this.vault,
    });
    plan.addRule(
      new BackupPlanRule({
        ruleName: 'continuous-and-daily',
        scheduleExpression: Schedule.cron({ hour: '2', minute: '0' }),
        enableContinuousBackup: true,
        deleteAfter: retention,
        copyActions,
      }),
    );
    const selection = plan.addSelection('Database', {
      resources: [BackupResource.fromRdsDatabaseCluster(database)],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: 'AWS Backup documents this policy for its service role and keeps it current',
    });
  }
}
