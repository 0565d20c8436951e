import { App } from 'aws-cdk-lib';
import { rmSync } from 'node:fs';
import { loadConfig, readCdkJsonContext, type AppConfig } from '../lib/config';
import { appStageId } from '../lib/names';
import { RegionalAppStage } from '../stages/regional-app-stage';

/** Resource names locally: `<project>-local-…`, so nothing is mistaken for a deployed stage. */
export const LOCAL_STAGE_NAME = 'local';

/**
 * Synthesizes the RegionalApp stage for every app region exactly as the pipeline builds it
 * (same class, same props; lib/pipeline-stack.ts) into `outdir`, without the pipeline stack
 * itself — the local environment needs only what the wave deploys.
 */
export function synthesizeLocalStages(outdir: string): AppConfig {
  process.env.JSII_DEPRECATED ??= 'quiet';
  const config = { ...loadConfig(), stageName: LOCAL_STAGE_NAME };
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir, context: readCdkJsonContext() });
  for (const region of config.appRegions) new RegionalAppStage(app, appStageId(region), { config, region });
  app.synth();
  return config;
}
