import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  referencedId,
  resourcesOf,
  synthesiseStages,
  type AwsFixture,
  type CfnResource,
} from '../testing/aws-fixture.js';
import { kubernetesEnvironments } from '../k8s/environments.js';
import { redisUserIdOf, serviceDefinitions } from '../k8s/services.js';
import {
  CACHE_PORT,
  cacheKeyPrefix,
  cacheReplicationGroupId,
  cacheUserId,
  cacheWorkloads,
} from './cache.js';
import { GATEKEEPER_DATABASE_USER } from './database.js';
import { runtimeVersions } from './runtime-versions.js';
import { awsStages, stageNames, type StageName } from './stages.js';

let fixture: AwsFixture;

beforeAll(() => {
  fixture = synthesiseStages();
}, 120_000);

type Template = AwsFixture['templates'][StageName];

function isolatedSubnetIds(template: Template): string[] {
  return Object.entries(resourcesOf(template, 'AWS::EC2::Subnet'))
    .filter(([, subnet]) =>
      (subnet.Properties?.Tags as { Key: string; Value: string }[]).some(
        (tag) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === 'Isolated',
      ),
    )
    .map(([id]) => id);
}

function dataKeyId(template: Template): string {
  const keys = Object.keys(resourcesOf(template, 'AWS::KMS::Key'));
  expect(keys).toHaveLength(1);
  return keys[0] as string;
}

function statementsOf(resource: CfnResource): Record<string, any>[] {
  const inline = (resource.Properties?.Policies ?? []) as { PolicyDocument: { Statement: [] } }[];
  const own = resource.Properties?.PolicyDocument?.Statement ?? [];
  return [...inline.flatMap((policy) => policy.PolicyDocument.Statement), ...own];
}

function actionsOf(statement: Record<string, any>): string[] {
  const action = statement.Action as string | string[];
  return Array.isArray(action) ? action : [action];
}

function resourceListOf(statement: Record<string, any>): unknown[] {
  const resource = statement.Resource as unknown;
  return Array.isArray(resource) ? resource : [resource];
}

/**
 * Returns an ARN as text: each `Fn::Join` part that is a `{ Ref }` becomes `${LogicalId}`, so a
 * test can compare the whole ARN, including which resource it points to.
 */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) return JSON.stringify(value);
  const [separator, parts] = join;
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const id = referencedId(part);
      return id === undefined ? JSON.stringify(part) : `\${${id}}`;
    })
    .join(separator);
}

/** Returns the IAM resources of `template` whose statements allow any ElastiCache action. */
function elastiCacheGrantHolders(template: Template): [string, CfnResource][] {
  return [
    ...Object.entries(resourcesOf(template, 'AWS::IAM::Role')),
    ...Object.entries(resourcesOf(template, 'AWS::IAM::Policy')),
    ...Object.entries(resourcesOf(template, 'AWS::IAM::ManagedPolicy')),
  ].filter(([, resource]) =>
    statementsOf(resource).some((statement) =>
      actionsOf(statement).some((action) => action.startsWith('elasticache:') || action === '*'),
    ),
  );
}

describe.each(stageNames)('%s stage', (stageName) => {
  const template = () => fixture.templates[stageName];
  const production = stageName === 'prod';

  it('spans three zones with three subnet tiers', () => {
    const subnets = Object.values(resourcesOf(template(), 'AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(9);
    const zones = new Set(subnets.map((subnet) => subnet.Properties?.AvailabilityZone as string));
    expect(zones.size).toBe(3);
    for (const type of ['Public', 'Private', 'Isolated']) {
      const count = subnets.filter((subnet) =>
        (subnet.Properties?.Tags as { Key: string; Value: string }[]).some(
          (tag) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === type,
        ),
      ).length;
      expect(count, type).toBe(3);
    }
  });

  it('gives isolated subnets no internet route', () => {
    const isolated = new Set(isolatedSubnetIds(template()));
    const tables = Object.values(resourcesOf(template(), 'AWS::EC2::SubnetRouteTableAssociation'))
      .filter((association) => isolated.has(referencedId(association.Properties?.SubnetId) ?? ''))
      .map((association) => referencedId(association.Properties?.RouteTableId));
    expect(tables).toHaveLength(3);

    const routes = Object.values(resourcesOf(template(), 'AWS::EC2::Route')).filter((route) =>
      tables.includes(referencedId(route.Properties?.RouteTableId)),
    );
    for (const route of routes) {
      expect(route.Properties?.DestinationCidrBlock).not.toBe('0.0.0.0/0');
      expect(route.Properties?.DestinationIpv6CidrBlock).not.toBe('::/0');
      expect(route.Properties?.GatewayId).toBeUndefined();
      expect(route.Properties?.NatGatewayId).toBeUndefined();
    }
  });

  it('matches the database egress of the Kubernetes policies', () => {
    const isolated = new Set(isolatedSubnetIds(template()));
    const cidrs = Object.entries(resourcesOf(template(), 'AWS::EC2::Subnet'))
      .filter(([id]) => isolated.has(id))
      .map(([, subnet]) => subnet.Properties?.CidrBlock as string);
    expect(cidrs).toEqual(kubernetesEnvironments[stageName].database.cidrs);
  });

  it('matches the load balancer subnets that the public tier trusts', () => {
    const cidrs = Object.values(resourcesOf(template(), 'AWS::EC2::Subnet'))
      .filter((subnet) =>
        (subnet.Properties?.Tags as { Key: string; Value: string }[]).some(
          (tag) => tag.Key === 'aws-cdk:subnet-type' && tag.Value === 'Public',
        ),
      )
      .map((subnet) => subnet.Properties?.CidrBlock as string);
    expect(cidrs).toHaveLength(3);
    const trusted = kubernetesEnvironments[stageName].publicTierTrustedProxies;
    for (const cidr of cidrs) expect(trusted, cidr).toContain(cidr);
    expect(trusted).toHaveLength(cidrs.length + 1);
  });

  it('keeps database and cache in isolated subnets', () => {
    const isolated = isolatedSubnetIds(template()).sort();
    const subnetGroups = [
      ...Object.values(resourcesOf(template(), 'AWS::RDS::DBSubnetGroup')),
      ...Object.values(resourcesOf(template(), 'AWS::ElastiCache::SubnetGroup')),
    ];
    expect(subnetGroups).toHaveLength(2);
    for (const group of subnetGroups) {
      const ids = (group.Properties?.SubnetIds as unknown[]).map(referencedId).sort();
      expect(ids).toEqual(isolated);
    }
    for (const instance of Object.values(resourcesOf(template(), 'AWS::RDS::DBInstance'))) {
      expect(instance.Properties?.PubliclyAccessible).toBe(false);
    }
  });

  it('configures Aurora for the stage', () => {
    const [cluster, ...others] = Object.values(resourcesOf(template(), 'AWS::RDS::DBCluster'));
    expect(others).toHaveLength(0);
    const properties = cluster?.Properties ?? {};
    expect(properties.Engine).toBe('aurora-postgresql');
    expect(properties.EngineVersion).toBe(runtimeVersions.postgres);
    expect(properties.EnableIAMDatabaseAuthentication).toBe(true);
    expect(properties.StorageEncrypted).toBe(true);
    expect(properties.BackupRetentionPeriod).toBe(production ? 35 : 7);
    expect(properties.DeletionProtection).toBe(production);

    const instances = Object.values(resourcesOf(template(), 'AWS::RDS::DBInstance'));
    if (production) {
      expect(instances).toHaveLength(2);
      for (const instance of instances) {
        expect(instance.Properties?.DBInstanceClass).not.toBe('db.serverless');
      }
      expect(properties.ServerlessV2ScalingConfiguration).toBeUndefined();
    } else {
      expect(instances).toHaveLength(1);
      expect(instances[0]?.Properties?.DBInstanceClass).toBe('db.serverless');
      expect(properties.ServerlessV2ScalingConfiguration).toEqual({
        MinCapacity: 0.5,
        MaxCapacity: 4,
      });
    }
  });

  it('encrypts and authenticates the cache', () => {
    const [group] = Object.values(resourcesOf(template(), 'AWS::ElastiCache::ReplicationGroup'));
    const properties = group?.Properties ?? {};
    expect(properties.EngineVersion).toBe(runtimeVersions.redis);
    expect(properties.TransitEncryptionEnabled).toBe(true);
    expect(properties.TransitEncryptionMode).toBe('required');
    expect(properties.AtRestEncryptionEnabled).toBe(true);
    expect(properties.UserGroupIds).toHaveLength(1);
    expect(properties.MultiAZEnabled).toBe(production);
    expect(properties.AutomaticFailoverEnabled).toBe(production);

    const users = Object.values(resourcesOf(template(), 'AWS::ElastiCache::User'));
    const defaultUser = users.find((user) => user.Properties?.UserName === 'default');
    expect(defaultUser?.Properties?.AccessString).toMatch(/^off /);
    const iamUsers = users.filter((user) => user.Properties?.AuthenticationMode?.Type === 'iam');
    expect(iamUsers.map((user) => user.Properties?.UserId).sort()).toEqual(
      cacheWorkloads.map((workload) => cacheUserId(stageName, workload)).sort(),
    );
    for (const user of iamUsers) {
      expect(user.Properties?.UserName, user.Properties?.UserId).toBe(user.Properties?.UserId);
      expect(user.Properties?.AccessString, user.Properties?.UserId).toBe(
        `on ~palisade-${stageName}:* +@all -@dangerous +info`,
      );
    }
  });

  it('puts every cache user in the user group', () => {
    const [group, ...others] = Object.values(
      resourcesOf(template(), 'AWS::ElastiCache::UserGroup'),
    );
    expect(others).toHaveLength(0);
    const members = group?.Properties?.UserIds as string[];
    expect(members).toContain(`palisade-${stageName}-default`);
    for (const workload of cacheWorkloads) {
      expect(members, workload).toContain(cacheUserId(stageName, workload));
    }
    expect(members).toHaveLength(cacheWorkloads.length + 1);
  });

  it('matches the cache settings of the Kubernetes manifests', () => {
    const { redis } = kubernetesEnvironments[stageName];
    const [group] = Object.values(resourcesOf(template(), 'AWS::ElastiCache::ReplicationGroup'));

    expect(group?.Properties?.ReplicationGroupId).toBe(cacheReplicationGroupId(stageName));
    expect(redis.cacheName).toBe(cacheReplicationGroupId(stageName));
    expect(group?.Properties?.Port).toBe(CACHE_PORT);
    expect(redis.port).toBe(CACHE_PORT);
    expect(redis.region).toBe(awsStages[stageName].region);
    expect(redis.host).toContain(`.${redis.cacheName}.`);
    expect(redis.cidrs).toEqual(kubernetesEnvironments[stageName].database.cidrs);
    expect(redis.keyPrefix).toBe(cacheKeyPrefix(stageName));
    for (const workload of cacheWorkloads) {
      expect(redisUserIdOf(kubernetesEnvironments[stageName], workload), workload).toBe(
        cacheUserId(stageName, workload),
      );
    }
  });

  it('grants elasticache:Connect per workload user', () => {
    const { account, region } = awsStages[stageName];
    const [groupId] = Object.keys(resourcesOf(template(), 'AWS::ElastiCache::ReplicationGroup'));
    const arnPrefix = `arn:\${AWS::Partition}:elasticache:${region}:${account}`;
    const holders = elastiCacheGrantHolders(template());
    expect(holders).toHaveLength(cacheWorkloads.length);

    const accounts = new Map(
      serviceDefinitions(kubernetesEnvironments[stageName], 'palisade.local').map((service) => [
        service.name as string,
        service.serviceAccount,
      ]),
    );
    for (const workload of cacheWorkloads) {
      const serviceAccount = accounts.get(workload);
      expect(serviceAccount, workload).toBe(workload);
      const owned = holders.filter(
        ([, role]) =>
          role.Properties?.AssumeRolePolicyDocument?.Statement[0].Condition.StringEquals[
            'aws:RequestTag/kubernetes-service-account'
          ] === serviceAccount,
      );
      expect(owned, workload).toHaveLength(1);
      const [, role] = owned[0] as [string, CfnResource];
      expect(role.Type, workload).toBe('AWS::IAM::Role');

      const grants = statementsOf(role).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('elasticache:')),
      );
      expect(grants, workload).toHaveLength(1);
      expect(grants[0]?.Effect, workload).toBe('Allow');
      expect(actionsOf(grants[0] ?? {}), workload).toEqual(['elasticache:Connect']);
      expect(resourceListOf(grants[0] ?? {}).map(arnText), workload).toEqual([
        `${arnPrefix}:replicationgroup:\${${groupId}}`,
        `${arnPrefix}:user:${cacheUserId(stageName, workload)}`,
      ]);

      template().hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        Namespace: 'palisade',
        ServiceAccount: serviceAccount,
        ClusterName: `palisade-${stageName}`,
      });
    }
  });

  it('grants rds-db:connect to the gatekeeper only', () => {
    const holders = [
      ...Object.entries(resourcesOf(template(), 'AWS::IAM::Role')),
      ...Object.entries(resourcesOf(template(), 'AWS::IAM::Policy')),
      ...Object.entries(resourcesOf(template(), 'AWS::IAM::ManagedPolicy')),
    ].filter(([, resource]) =>
      statementsOf(resource).some((statement) =>
        actionsOf(statement).some((action) => action === 'rds-db:connect' || action === 'rds-db:*'),
      ),
    );
    expect(holders).toHaveLength(1);
    const [, role] = holders[0] as [string, CfnResource];
    expect(role.Type).toBe('AWS::IAM::Role');

    const resource = JSON.stringify(statementsOf(role)[0]?.Resource);
    expect(resource).toContain(`/${GATEKEEPER_DATABASE_USER}`);
    const trust = role.Properties?.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(trust.Condition.StringEquals['aws:RequestTag/kubernetes-service-account']).toBe(
      'gatekeeper',
    );

    template().hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      Namespace: 'palisade',
      ServiceAccount: 'gatekeeper',
      ClusterName: `palisade-${stageName}`,
    });
  });

  it('serves the site privately through CloudFront', () => {
    const buckets = resourcesOf(template(), 'AWS::S3::Bucket');
    const [siteId, site] = Object.entries(buckets).find(
      ([, bucket]) =>
        bucket.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration[0]
          .ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms',
    ) as [string, CfnResource];
    expect(site.Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(site.Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });

    const policies = Object.values(resourcesOf(template(), 'AWS::S3::BucketPolicy')).filter(
      (policy) => referencedId(policy.Properties?.Bucket) === siteId,
    );
    const statements = policies.flatMap(statementsOf);
    expect(
      statements.some(
        (statement) =>
          statement.Effect === 'Deny' &&
          statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      ),
    ).toBe(true);

    const [control] = Object.values(
      resourcesOf(template(), 'AWS::CloudFront::OriginAccessControl'),
    );
    expect(control?.Properties?.OriginAccessControlConfig.OriginAccessControlOriginType).toBe('s3');

    const [distribution] = Object.values(resourcesOf(template(), 'AWS::CloudFront::Distribution'));
    const config = distribution?.Properties?.DistributionConfig;
    expect(config.WebACLId).toBeDefined();
    expect(config.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
    const api = (config.CacheBehaviors as Record<string, any>[]).find(
      (behavior) => behavior.PathPattern === '/api/*',
    );
    const origin = (config.Origins as Record<string, any>[]).find(
      (candidate) => candidate.Id === api?.TargetOriginId,
    );
    expect(origin?.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    expect(origin?.DomainName).toMatch(/^api-origin\./);
    const s3Origin = (config.Origins as Record<string, any>[]).find(
      (candidate) => candidate.S3OriginConfig !== undefined,
    );
    expect(s3Origin?.OriginAccessControlId).toBeDefined();

    template().resourceCountIs('AWS::CertificateManager::Certificate', 1);
    template().resourceCountIs('AWS::Route53::RecordSet', 2);
  });

  it('runs WAF managed rules in the right mode', () => {
    const [acl] = Object.values(resourcesOf(template(), 'AWS::WAFv2::WebACL'));
    expect(acl?.Properties?.Scope).toBe('CLOUDFRONT');
    const rules = acl?.Properties?.Rules as Record<string, any>[];
    expect(rules.length).toBeGreaterThanOrEqual(3);
    for (const rule of rules) {
      expect(rule.Statement.ManagedRuleGroupStatement.VendorName).toBe('AWS');
      expect(rule.OverrideAction).toEqual(production ? { None: {} } : { Count: {} });
    }
  });

  it('locks the backup vault and keeps point-in-time recovery', () => {
    const [vault] = Object.values(resourcesOf(template(), 'AWS::Backup::BackupVault'));
    const lock = vault?.Properties?.LockConfiguration;
    expect(lock.MinRetentionDays).toBeGreaterThanOrEqual(7);
    if (production) expect(lock.ChangeableForDays).toBe(3);
    else expect(lock.ChangeableForDays).toBeUndefined();

    const [plan] = Object.values(resourcesOf(template(), 'AWS::Backup::BackupPlan'));
    const [rule] = plan?.Properties?.BackupPlan.BackupPlanRule as Record<string, any>[];
    expect(rule?.EnableContinuousBackup).toBe(true);
    const copies = (rule?.CopyActions ?? []) as Record<string, any>[];
    if (production) {
      expect(copies).toHaveLength(1);
      expect(JSON.stringify(copies[0]?.DestinationBackupVaultArn)).toContain(':us-west-2:');
    } else {
      expect(copies).toHaveLength(0);
    }
  });

  it('allows no SSH anywhere', () => {
    const resources = template().toJSON().Resources as Record<string, CfnResource>;
    for (const [id, resource] of Object.entries(resources)) {
      expect(resource.Type, id).not.toBe('AWS::EC2::KeyPair');
      expect(resource.Properties?.KeyName, id).toBeUndefined();
    }
    const ingress = [
      ...Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroup')).flatMap(
        (group) => (group.Properties?.SecurityGroupIngress ?? []) as Record<string, any>[],
      ),
      ...Object.values(resourcesOf(template(), 'AWS::EC2::SecurityGroupIngress')).map(
        (rule) => rule.Properties as Record<string, any>,
      ),
    ];
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) {
      const covers22 = rule.IpProtocol === '-1' || (rule.FromPort <= 22 && rule.ToPort >= 22);
      expect(covers22, JSON.stringify(rule)).toBe(false);
    }
  });

  it('gives humans read-only and MFA break-glass access', () => {
    const roles = resourcesOf(template(), 'AWS::IAM::Role');
    const readOnly = Object.values(roles).find((role) =>
      JSON.stringify(role.Properties?.ManagedPolicyArns ?? []).includes('ReadOnlyAccess'),
    );
    expect(readOnly?.Properties?.ManagedPolicyArns).toHaveLength(1);
    expect(readOnly?.Properties?.Policies).toBeUndefined();
    expect(readOnly?.Properties?.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
    });

    const breakGlass = Object.values(roles).find((role) =>
      statementsOf(role).some((statement) => actionsOf(statement).includes('ssm:StartSession')),
    ) as CfnResource;
    const actions = statementsOf(breakGlass).flatMap(actionsOf);
    for (const action of actions)
      expect(action).toMatch(/^(ssm:(Start|Terminate|Resume)Session|kms:GenerateDataKey)$/);
    expect(breakGlass.Properties?.AssumeRolePolicyDocument.Statement[0].Condition.Bool).toEqual({
      'aws:MultiFactorAuthPresent': 'true',
    });

    template().hasResourceProperties('AWS::SSM::Document', {
      Name: 'SSM-SessionManagerRunShell',
      Content: { inputs: { cloudWatchEncryptionEnabled: true, cloudWatchStreamingEnabled: true } },
    });
  });

  it('encrypts every store with the data key', () => {
    const key = dataKeyId(template());
    const checks: [string, (properties: Record<string, any>) => unknown][] = [
      ['AWS::RDS::DBCluster', (p) => p.KmsKeyId],
      ['AWS::ElastiCache::ReplicationGroup', (p) => p.KmsKeyId],
      ['AWS::Backup::BackupVault', (p) => p.EncryptionKeyArn],
      ['AWS::SecretsManager::Secret', (p) => p.KmsKeyId],
      ['AWS::Logs::LogGroup', (p) => p.KmsKeyId],
      ['AWS::ECR::Repository', (p) => p.EncryptionConfiguration?.KmsKey],
    ];
    for (const [type, keyOf] of checks) {
      const resources = Object.entries(resourcesOf(template(), type));
      expect(resources.length, type).toBeGreaterThan(0);
      for (const [id, resource] of resources) {
        expect(referencedId(keyOf(resource.Properties ?? {})), `${type} ${id}`).toBe(key);
      }
    }

    const kmsBuckets = Object.values(resourcesOf(template(), 'AWS::S3::Bucket')).filter(
      (bucket) =>
        bucket.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration[0]
          .ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms',
    );
    expect(kmsBuckets).toHaveLength(1);
    const byDefault =
      kmsBuckets[0]?.Properties?.BucketEncryption.ServerSideEncryptionConfiguration[0]
        .ServerSideEncryptionByDefault;
    expect(referencedId(byDefault.KMSMasterKeyID)).toBe(key);

    template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });
});

describe('backup copy region', () => {
  it('holds a locked, encrypted vault', () => {
    const [vault] = Object.values(resourcesOf(fixture.backupCopy, 'AWS::Backup::BackupVault'));
    expect(vault?.Properties?.BackupVaultName).toBe('palisade-prod-copy');
    expect(vault?.Properties?.LockConfiguration.ChangeableForDays).toBe(3);
    const [keyId] = Object.keys(resourcesOf(fixture.backupCopy, 'AWS::KMS::Key'));
    expect(referencedId(vault?.Properties?.EncryptionKeyArn)).toBe(keyId);
    expect(fixture.palisade.stages.prod.backupCopy?.region).toBe('us-west-2');
    expect(fixture.palisade.stages.dev.backupCopy).toBeUndefined();
  });
});

describe('cdk-nag', () => {
  it('acknowledges findings only with a reason', () => {
    const acknowledged: [string, string][] = [];
    for (const construct of fixture.palisade.app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          if (rule.includes('AwsSolutions-'))
            acknowledged.push([`${construct.node.path} ${rule}`, reason]);
        }
      }
    }
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [rule, reason] of acknowledged)
      expect(reason.length, rule).toBeGreaterThanOrEqual(30);
  });

  it('fails synthesis on an unacknowledged finding', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'palisade-nag-')) });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'Unsafe', {
      env: { account: '111122223333', region: 'us-east-1' },
    });
    new Bucket(stack, 'Plain');
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });
});
