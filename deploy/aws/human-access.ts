import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  ManagedPolicy,
  PolicyDocument,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnDocument } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

import type { AwsStage } from './stages.js';

/** Session Manager reads its preferences from the document with this fixed name. */
export const SESSION_PREFERENCES_DOCUMENT = 'SSM-SessionManagerRunShell';
/** Tag that marks the instances a break-glass session may open a shell on. */
export const BREAK_GLASS_TAG = { key: 'palisade:break-glass', value: 'allowed' } as const;

const mfaRequired = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };

/** Inputs of {@link HumanAccess}. */
export interface HumanAccessProps {
  readonly stage: AwsStage;
  readonly key: IKey;
}

/**
 * Access of people to the stage. There is no SSH: no key pairs and no port 22 rule exist. Humans
 * get a read-only role. Break-glass shell access goes through SSM Session Manager only and needs a
 * recent MFA sign-in. Every session is logged, encrypted, to CloudWatch Logs.
 */
export class HumanAccess extends Construct {
  readonly readOnlyRole: Role;
  readonly breakGlassRole: Role;

  constructor(scope: Construct, id: string, props: HumanAccessProps) {
    super(scope, id);
    const { stage, key } = props;
    const { partition, region, account } = Stack.of(this);

    this.readOnlyRole = new Role(this, 'ReadOnly', {
      description: 'Operators: read-only view of the stage, MFA required',
      assumedBy: new AccountPrincipal(stage.identityAccount).withConditions(mfaRequired),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
      maxSessionDuration: Duration.hours(1),
    });
    Validations.of(this.readOnlyRole).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]',
      reason: 'AWS maintains ReadOnlyAccess as services are added; it grants no write action',
    });

    const sessionLogs = new LogGroup(this, 'SessionLogs', {
      encryptionKey: key,
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnDocument(this, 'SessionPreferences', {
      name: SESSION_PREFERENCES_DOCUMENT,
      documentType: 'Session',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '1.0',
        description: 'Palisade Session Manager preferences: encrypted, logged, time-limited',
        sessionType: 'Standard_Stream',
        inputs: {
          cloudWatchLogGroupName: sessionLogs.logGroupName,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: key.keyId,
          runAsEnabled: false,
          idleSessionTimeout: '15',
          maxSessionDuration: '60',
        },
      },
    });

    const instances = `arn:${partition}:ec2:${region}:${account}:instance/*`;
    this.breakGlassRole = new Role(this, 'BreakGlass', {
      description: 'Break-glass: Session Manager shells on tagged instances, MFA within 15 minutes',
      assumedBy: new AccountPrincipal(stage.identityAccount).withConditions({
        ...mfaRequired,
        NumericLessThan: { 'aws:MultiFactorAuthAge': '900' },
      }),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        SessionManagerOnly: new PolicyDocument({
          statements: [
            new PolicyStatement({
              actions: ['ssm:StartSession'],
              resources: [instances],
              conditions: {
                StringEquals: { [`ssm:resourceTag/${BREAK_GLASS_TAG.key}`]: BREAK_GLASS_TAG.value },
                BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
              },
            }),
            new PolicyStatement({
              actions: ['ssm:StartSession'],
              resources: [
                `arn:${partition}:ssm:${region}:${account}:document/${SESSION_PREFERENCES_DOCUMENT}`,
              ],
            }),
            new PolicyStatement({
              actions: ['ssm:TerminateSession', 'ssm:ResumeSession'],
              resources: [`arn:${partition}:ssm:*:*:session/\${aws:userid}-*`],
            }),
            new PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [key.keyArn] }),
          ],
        }),
      },
    });
    for (const finding of [
      `Resource::arn:<AWS::Partition>:ec2:${region}:${account}:instance/*`,
      'Resource::arn:<AWS::Partition>:ssm:*:*:session/<aws:userid>-*',
    ]) {
      Validations.of(this.breakGlassRole).acknowledge({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          'Instances are selected by the break-glass tag condition, and sessions by the ' +
          "caller's own user id prefix; neither has a fixed ARN",
      });
    }
  }
}
