import { App, AssetStaging } from 'aws-cdk-lib';
import { rmSync } from 'node:fs';
import { loadConfig, readCdkJsonContext, type AppConfig } from '../lib/config';
import { appStageId } from '../lib/names';
import { RegionalAppStage } from '../stages/regional-app-stage';
import { LOCAL_ACCOUNT_ID } from './provision';

/** Resource names locally: `<project>-local-…`, so nothing is mistaken for a deployed stage. */
const LOCAL_STAGE_NAME = 'local';

/**
 * Synthesizes the RegionalApp stage for every app region exactly as the pipeline builds it
 * (same class, same props; pipeline/pipeline-stack.ts) into `outdir`, without the pipeline stack
 * itself — the local environment needs only what the wave deploys.
 */
export function synthesizeLocalStages(outdir: string): AppConfig {
  process.env.JSII_DEPRECATED ??= 'quiet';
  // The templates name their account (Lambda permissions' SourceAccount, ARNs): the local one, as a deployment names its own.
  const config = { ...loadConfig(), stageName: LOCAL_STAGE_NAME, account: LOCAL_ACCOUNT_ID };
  rmSync(outdir, { recursive: true, force: true });
  // CDK stages each asset once per process: after the outdir is emptied, a second synth in the same
  // process (a benchmark that starts the environment twice) must copy the bundles again.
  AssetStaging.clearAssetHashCache();
  const app = new App({ outdir, context: readCdkJsonContext() });
  for (const region of config.appRegions) new RegionalAppStage(app, appStageId(region), { config, region });
  app.synth();
  return config;
}
