import { join } from 'node:path';

import { repositoryRoot } from '../k8s/repository-paths.js';
import { buildPalisadeApp } from './palisade-app.js';

// Writes the CloudFormation templates of both stages to deploy/cdk.out, or where the CDK CLI asks
// (CDK_OUTDIR). A cdk-nag finding without an acknowledgement makes synth throw.
const { app } = buildPalisadeApp(
  process.env.CDK_OUTDIR ?? join(repositoryRoot(), 'deploy', 'cdk.out'),
);
const assembly = app.synth();
console.log(`wrote ${assembly.stacksRecursively.length} stacks to ${assembly.directory}`);
