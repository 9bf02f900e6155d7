import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { BackupVault } from 'aws-cdk-lib/aws-backup';
import type { Construct } from 'constructs';

import { copyVaultName, vaultLock } from './backups.js';
import { DataKey } from './data-key.js';
import type { AwsStage } from './stages.js';

/**
 * The second-region half of the backups: a locked vault, encrypted with a key of its own region,
 * that receives a copy of every production backup. It survives the loss of the home region.
 */
export class BackupCopyStack extends Stack {
  readonly vault: BackupVault;

  constructor(scope: Construct, id: string, stage: AwsStage, props: StackProps) {
    super(scope, id, props);
    const { key } = new DataKey(this, 'DataKey', {
      alias: `alias/palisade-${stage.name}-backup-copy`,
    });

    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: copyVaultName(stage),
      encryptionKey: key,
      lockConfiguration: vaultLock(stage),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
