import { DIRECT_DEPLOY_STAGE } from '../pipeline/app';
import { assertDeployable, type AppConfig } from '../lib/config';

/**
 * P10: the `cdk deploy` arguments that put RegionalApp's stacks in one region without the
 * pipeline, for development. Names use the `dev` stage, so they never collide with the
 * pipeline's stacks and resources. Refuses a placeholder account; the pipeline-only keys
 * (connection, Slack channel) may stay placeholders.
 */
/** The command line is incomplete: the message says what to type. */
export class UsageError extends Error {}

export function directDeployArgs(config: AppConfig, region: string | undefined): string[] {
  if (!region) {
    throw new UsageError(`npm run deploy:region needs the region to deploy to: npm run deploy:region -- <region>, one of ${config.appRegions.join(', ')}.`);
  }
  if (!config.appRegions.includes(region)) {
    throw new UsageError(`"${region}" is not an app region (${config.appRegions.join(', ')}): deploy to one of them, or add it to appRegions in cdk.json.`);
  }
  assertDeployable(config, 'region');
  return ['cdk', 'deploy', '--context', `directDeployRegion=${region}`, '--require-approval', 'broadening', `${DIRECT_DEPLOY_STAGE}/*`];
}
