import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../lib/config';
import { directDeployArgs, UsageError } from '../cli/direct-deploy';

/** `npm run deploy:region -- <region>`: deploys RegionalApp to one region without the pipeline (P10). */
try {
  const args = directDeployArgs(loadConfig(), process.argv[2]);
  console.log(`> npx ${args.join(' ')}`);
  process.exitCode = spawnSync('npx', args, { stdio: 'inherit' }).status ?? 1;
} catch (error) {
  if (!(error instanceof ConfigError) && !(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
