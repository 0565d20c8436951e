import { App, Aspects } from 'aws-cdk-lib';
import { RegionalAppStage } from '../stages/regional-app-stage';
import type { AppConfig } from '../lib/config';
import { ExplicitIamActions } from '../lib/explicit-iam-actions';
import { acknowledgePipelineFindings } from './nag';
import { PipelineStack } from './pipeline-stack';

/** Name of the stage that `npm run deploy:region` deploys straight to one region (P10). */
export const DIRECT_DEPLOY_STAGE = 'RegionalAppDev';

export interface AppShape {
  /** Set to deploy RegionalApp to this one region without the pipeline (P10). */
  readonly directDeployRegion?: string;
}

/**
 * Everything `cdk synth` produces: the pipeline stack (which holds the RegionalApp stages), or —
 * for a direct development deploy — one RegionalApp stage on its own. Every stack has its IAM
 * wildcard actions spelled out (Q5); bin/app.ts then runs cdk-nag over the tree (Q3).
 */
export function buildApp(app: App, config: AppConfig, shape: AppShape = {}): void {
  // aws-cdk-lib 2.257's own TableV2 passes deprecated props to its table grants and prints two
  // deprecation warnings on every synth; nothing in this project can act on them.
  process.env.JSII_DEPRECATED ??= 'quiet';
  // Stacks directly in the app; each RegionalAppStage adds the same aspect to itself.
  Aspects.of(app).add(new ExplicitIamActions());

  if (shape.directDeployRegion) {
    if (!config.appRegions.includes(shape.directDeployRegion)) {
      throw new Error(`Region ${shape.directDeployRegion} is not one of regionalApp.appRegions (${config.appRegions.join(', ')}).`);
    }
    new RegionalAppStage(app, DIRECT_DEPLOY_STAGE, {
      config: { ...config, stageName: 'dev' },
      standalone: true,
      region: shape.directDeployRegion,
    });
    return;
  }

  const pipeline = new PipelineStack(app, 'RegionalAppPipeline', {
    config,
    env: { account: config.account, region: config.pipelineRegion },
    description: 'RegionalApp delivery pipeline',
  });
  acknowledgePipelineFindings(pipeline, config);
}
