import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import { DataBackups } from './backups.js';
import { PalisadeCache } from './cache.js';
import { DataKey } from './data-key.js';
import { PalisadeDatabase } from './database.js';
import { HumanAccess } from './human-access.js';
import { ImageRegistry } from './image-registry.js';
import { PalisadeNetwork } from './network.js';
import type { AwsStage } from './stages.js';
import { StaticSite } from './static-site.js';
import { GatekeeperIdentity } from './workload-identity.js';

/** Inputs of {@link PalisadeStack} besides the stack's own. */
export interface PalisadeStackProps extends StackProps {
  readonly stage: AwsStage;
  readonly replicateImagesTo?: AwsStage;
  readonly acceptImagesFrom?: AwsStage;
}

/**
 * Everything one stage runs on, in its home region: network, data stores, the gatekeeper's AWS
 * identity, the public entry point, backups, human access and the image registry.
 *
 * TODO: the EKS cluster itself (named in the stage settings) is provisioned outside this stack.
 */
export class PalisadeStack extends Stack {
  readonly key: DataKey;
  readonly network: PalisadeNetwork;
  readonly database: PalisadeDatabase;
  readonly cache: PalisadeCache;
  readonly gatekeeper: GatekeeperIdentity;
  readonly site: StaticSite;
  readonly backups: DataBackups;
  readonly access: HumanAccess;
  readonly images: ImageRegistry;

  constructor(scope: Construct, id: string, props: PalisadeStackProps) {
    super(scope, id, props);
    const { stage } = props;

    this.key = new DataKey(this, 'DataKey', { alias: `alias/palisade-${stage.name}-data` });
    const key = this.key.key;
    this.network = new PalisadeNetwork(this, 'Network', { stage, key });
    const { vpc } = this.network;

    this.database = new PalisadeDatabase(this, 'Database', { stage, vpc, key });
    this.cache = new PalisadeCache(this, 'Cache', { stage, vpc, key });
    this.gatekeeper = new GatekeeperIdentity(this, 'GatekeeperIdentity', {
      clusterName: stage.clusterName,
      databaseResourceId: this.database.cluster.clusterResourceIdentifier,
      cacheReplicationGroupArn: this.cache.replicationGroupArn(),
      cacheUserArn: this.cache.gatekeeperUserArn(),
    });
    this.site = new StaticSite(this, 'Site', { stage, key });
    this.backups = new DataBackups(this, 'Backups', {
      stage,
      key,
      database: this.database.cluster,
    });
    this.access = new HumanAccess(this, 'Access', { stage, key });
    this.images = new ImageRegistry(this, 'Images', {
      stage,
      key,
      replicateTo: props.replicateImagesTo,
      replicateFrom: props.acceptImagesFrom,
    });

    new CfnOutput(this, 'DatabaseEndpoint', {
      value: this.database.cluster.clusterEndpoint.hostname,
    });
    new CfnOutput(this, 'GatekeeperRoleArn', { value: this.gatekeeper.role.roleArn });
    new CfnOutput(this, 'SiteDistributionDomain', { value: this.site.distribution.domainName });
  }
}
