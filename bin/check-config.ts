import { ConfigError, assertDeployable, loadConfig, placeholderKeys } from '../lib/config';

/**
 * `npm run config:check [-- --deployable]`: validates cdk.json's `regionalApp` config. With
 * `--deployable` (the pipeline's synth step) any shipped placeholder fails the check.
 */
try {
  const config = loadConfig();
  if (process.argv.includes('--deployable')) assertDeployable(config);
  const placeholders = placeholderKeys(config);
  console.log(`regionalApp config is valid: pipeline in ${config.pipelineRegion}, app regions ${config.appRegions.join(' → ')}, rollout "${config.rollout}".`);
  if (placeholders.length > 0) {
    console.log(`Placeholders left (fine offline; every deploy path refuses them): ${placeholders.join(', ')}.`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
