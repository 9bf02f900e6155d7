import { RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  IpAddresses,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

import type { AwsStage } from './stages.js';

/** Names of the three subnet groups, used to select them elsewhere. */
export const subnetGroups = { public: 'public', private: 'private', isolated: 'data' } as const;

/** Inputs of {@link PalisadeNetwork}. */
export interface PalisadeNetworkProps {
  readonly stage: AwsStage;
  readonly key: IKey;
}

/**
 * The VPC across three availability zones: public subnets for the load balancers and NAT
 * gateways, private subnets with egress for the cluster's nodes, and isolated subnets for the
 * database and cache. Isolated subnets have no route to an internet or NAT gateway, so nothing
 * in them can reach or be reached from the internet even if a security group is too open.
 */
export class PalisadeNetwork extends Construct {
  readonly vpc: Vpc;

  constructor(scope: Construct, id: string, props: PalisadeNetworkProps) {
    super(scope, id);
    const { stage, key } = props;

    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(stage.vpcCidr),
      availabilityZones: [...stage.availabilityZones],
      // One NAT gateway per zone in production, so losing a zone does not cut the others' egress.
      natGateways: stage.production ? 3 : 1,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        {
          name: subnetGroups.public,
          subnetType: SubnetType.PUBLIC,
          cidrMask: 22,
          mapPublicIpOnLaunch: false,
        },
        { name: subnetGroups.private, subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: subnetGroups.isolated, subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 20 },
      ],
    });

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      encryptionKey: key,
      retention: stage.production ? RetentionDays.ONE_YEAR : RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.ALL,
    });
  }
}
