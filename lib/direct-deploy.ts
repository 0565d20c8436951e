import { DIRECT_DEPLOY_STAGE } from './app';
import { assertDeployable, ConfigError, type AppConfig } from './config';

/**
 * P10: the `cdk deploy` arguments that put RegionalApp's stacks in one region without the
 * pipeline, for development. Names use the `dev` stage, so they never collide with the
 * pipeline's stacks and resources. Refuses placeholder config.
 */
export function directDeployArgs(config: AppConfig, region: string | undefined): string[] {
  if (!region) {
    throw new ConfigError('appRegions', 'no region given', `Run: npm run deploy:region -- <region>, one of ${config.appRegions.join(', ')}.`);
  }
  if (!config.appRegions.includes(region)) {
    throw new ConfigError('appRegions', `"${region}" is not an app region (${config.appRegions.join(', ')})`, 'Deploy to one of them, or add it to cdk.json.');
  }
  assertDeployable(config);
  return ['cdk', 'deploy', '--context', `directDeployRegion=${region}`, '--require-approval', 'broadening', `${DIRECT_DEPLOY_STAGE}/*`];
}
