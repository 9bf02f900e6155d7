import { App, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { BackupCopyStack } from './backup-copy-stack.js';
import { PalisadeStack } from './palisade-stack.js';
import { awsStages, type StageName } from './stages.js';

/** The stacks of one stage. */
export interface StageStacks {
  readonly stage: Stage;
  readonly main: PalisadeStack;
  readonly backupCopy?: BackupCopyStack;
}

/** The CDK app with both stages, checked by the cdk-nag AwsSolutions pack at synthesis. */
export interface PalisadeApp {
  readonly app: App;
  readonly stages: Readonly<Record<StageName, StageStacks>>;
}

/**
 * Builds the CDK app: one Stage per environment. cdk-nag runs as a policy validation plugin, so
 * `app.synth()` fails on any finding that has no acknowledgement with a written reason.
 */
export function buildPalisadeApp(outdir?: string): PalisadeApp {
  const app = new App(outdir === undefined ? {} : { outdir });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stages = Object.fromEntries(
    Object.values(awsStages).map((settings) => {
      const stage = new Stage(app, settings.name);
      const env = { account: settings.account, region: settings.region };
      const main = new PalisadeStack(stage, 'Palisade', {
        env,
        stage: settings,
        replicateImagesTo: settings.production ? undefined : awsStages.prod,
        acceptImagesFrom: settings.production ? awsStages.dev : undefined,
      });
      const backupCopy =
        settings.backupCopyRegion === undefined
          ? undefined
          : new BackupCopyStack(stage, 'BackupCopy', settings, {
              env: { account: settings.account, region: settings.backupCopyRegion },
            });
      return [settings.name, { stage, main, backupCopy }];
    }),
  ) as Record<StageName, StageStacks>;

  return { app, stages };
}
