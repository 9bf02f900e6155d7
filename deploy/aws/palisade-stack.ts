import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

import { DataBackups } from './backups.js';
import { cacheWorkloads, PalisadeCache, type CacheWorkload } from './cache.js';
import { DataKey } from './data-key.js';
import { PalisadeDatabase } from './database.js';
import { HumanAccess } from './human-access.js';
import { ImageRegistry } from './image-registry.js';
import { PalisadeNetwork } from './network.js';
import type { AwsStage } from './stages.js';
import { StaticSite } from './static-site.js';
import { WorkloadIdentity } from './workload-identity.js';

/** Inputs of {@link PalisadeStack} besides the stack's own. */
export interface PalisadeStackProps extends StackProps {
  readonly stage: AwsStage;
  readonly replicateImagesTo?: AwsStage;
  readonly acceptImagesFrom?: AwsStage;
}

/**
 * Everything one stage runs on, in its home region: network, data stores, the workloads' AWS
 * identities, the public entry point, backups, human access and the image registry.
 *
 * TODO: the EKS cluster itself (named in the stage settings) is provisioned outside this stack.
 */
export class PalisadeStack extends Stack {
  readonly key: DataKey;
  readonly network: PalisadeNetwork;
  readonly database: PalisadeDatabase;
  readonly cache: PalisadeCache;
  /**
   * AWS identity of each workload that logs in to the cache. The gatekeeper's identity also logs
   * in to Aurora.
   */
  readonly identities: Readonly<Record<CacheWorkload, WorkloadIdentity>>;
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
    this.identities = this.createWorkloadIdentities(stage);
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
    new CfnOutput(this, 'CacheEndpoint', {
      value: this.cache.replicationGroup.attrPrimaryEndPointAddress,
    });
    new CfnOutput(this, 'GatekeeperRoleArn', { value: this.identities.gatekeeper.role.roleArn });
    new CfnOutput(this, 'SiteDistributionDomain', { value: this.site.distribution.domainName });
  }

  private createWorkloadIdentities(stage: AwsStage): Record<CacheWorkload, WorkloadIdentity> {
    const descriptions: Record<CacheWorkload, string> = {
      gatekeeper: 'Gatekeeper pods: IAM login to Aurora and ElastiCache as their own users',
      web: 'Web pods: IAM login to ElastiCache as their own user',
      inventory: 'Inventory pods: IAM login to ElastiCache as their own user',
    };
    const identities = cacheWorkloads.map((workload) => {
      const id = `${workload.charAt(0).toUpperCase()}${workload.slice(1)}Identity`;
      const identity = new WorkloadIdentity(this, id, {
        clusterName: stage.clusterName,
        serviceAccount: workload,
        description: descriptions[workload],
        cache: {
          replicationGroupArn: this.cache.replicationGroupArn(),
          userArn: this.cache.userArn(workload),
        },
        ...(workload === 'gatekeeper'
          ? { databaseResourceId: this.database.cluster.clusterResourceIdentifier }
          : {}),
      });
      return [workload, identity] as const;
    });
    return Object.fromEntries(identities) as Record<CacheWorkload, WorkloadIdentity>;
  }
}
