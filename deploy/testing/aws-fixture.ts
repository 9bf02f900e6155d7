import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Template } from 'aws-cdk-lib/assertions';

import { buildPalisadeApp, type PalisadeApp } from '../aws/palisade-app.js';
import type { StageName } from '../aws/stages.js';

/** A CloudFormation resource as the template holds it. */
export type CfnResource = { Type: string; Properties?: Record<string, any> };

/** The synthesised app with the templates of both stages. */
export interface AwsFixture {
  readonly palisade: PalisadeApp;
  readonly templates: Readonly<Record<StageName, Template>>;
  readonly backupCopy: Template;
}

/**
 * Builds and synthesises the app once, cdk-nag included, into a temporary folder. CDK synthesis
 * takes seconds, so each test file calls this once and shares the result.
 */
export function synthesiseStages(): AwsFixture {
  const palisade = buildPalisadeApp(mkdtempSync(join(tmpdir(), 'palisade-cdk-')));
  palisade.app.synth();
  const { dev, prod } = palisade.stages;
  if (prod.backupCopy === undefined) throw new Error('prod has no backup copy stack');
  return {
    palisade,
    templates: { dev: Template.fromStack(dev.main), prod: Template.fromStack(prod.main) },
    backupCopy: Template.fromStack(prod.backupCopy),
  };
}

/** Returns the resources of `type` keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}

/** Returns the logical id that a `{ Ref }` or `{ Fn::GetAtt }` value points to. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}
