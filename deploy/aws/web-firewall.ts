import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

import type { AwsStage } from './stages.js';

/** AWS managed rule groups in front of the site and API, in evaluation order. */
export const managedRuleGroups = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesSQLiRuleSet',
] as const;

/**
 * The CloudFront web ACL. Development counts what the managed rules would block, so false
 * positives show up in metrics before they break anyone; production blocks.
 */
export class WebFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: { readonly stage: AwsStage }) {
    super(scope, id);
    const { stage } = props;
    const overrideAction = stage.production ? { none: {} } : { count: {} };
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `palisade-${stage.name}`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`palisade-${stage.name}`),
      rules: managedRuleGroups.map((name, priority) => ({
        name,
        priority,
        overrideAction,
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
        visibilityConfig: visibility(name),
      })),
    });
  }
}
