/**
 * `npm run users -- add <email> | remove <email> [--local]`. All behaviour lives in cli/users-cli.ts;
 * this file only connects it to cdk.json (or the running local environment), real AWS clients (one
 * per app region) and the terminal.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SSMClient } from '@aws-sdk/client-ssm';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, type AppConfig } from '../lib/config';
import { isUsageAnswer } from '../cli/cli';
import { localUserPoolAccess, main, parseArguments, passwordReader, type LocalEndpoints, type UserPoolAccess } from '../cli/users-cli';
import { ENDPOINTS_FILE } from '../local/environment';

/** `--local`: the running `npm start`'s regions; else the deployed ones, with the shell's AWS credentials. */
function userPools(config: AppConfig, local: boolean): UserPoolAccess | undefined {
  if (!local) {
    // Credentials resolve from AWS_PROFILE / SSO as for the aws CLI; the region is always the app
    // region being provisioned, whatever AWS_REGION says.
    return { config, cognitoFor: (region) => new CognitoIdentityProviderClient({ region }), ssmFor: (region) => new SSMClient({ region }) };
  }
  if (!existsSync(ENDPOINTS_FILE)) {
    process.stderr.write(`error: --local needs the local environment running, and ${path.relative(process.cwd(), ENDPOINTS_FILE)} does not exist: run npm start first (in another terminal).\n`);
    return undefined;
  }
  return localUserPoolAccess(config.project, JSON.parse(readFileSync(ENDPOINTS_FILE, 'utf8')) as LocalEndpoints);
}

function configOrNothing(): AppConfig | undefined {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

const args = process.argv.slice(2);
const parsed = parseArguments(args);
const config = configOrNothing();
const pools = config && userPools(config, !isUsageAnswer(parsed) && parsed.local);
if (pools === undefined) {
  process.exitCode = 1;
} else {
  void main(args, {
    ...pools,
    readPassword: passwordReader({ input: process.stdin, prompts: process.stderr }),
    out: process.stdout,
    err: process.stderr,
  }).then((exitCode) => {
    process.exitCode = exitCode;
  });
}
