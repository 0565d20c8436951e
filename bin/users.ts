/**
 * `npm run users -- add <email> | remove <email>`. All behaviour lives in lib/users-cli.ts; this
 * file only connects it to cdk.json, real AWS clients (one per app region) and the terminal.
 */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig, type AppConfig } from '../lib/config';
import { main, passwordReader } from '../lib/users-cli';

function configOrNothing(): AppConfig | undefined {
  try {
    return loadConfig();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return undefined;
  }
}

const config = configOrNothing();
if (config === undefined) {
  process.exitCode = 1;
} else {
  // Credentials resolve from AWS_PROFILE / SSO as for the aws CLI; the region is always the app
  // region being provisioned, whatever AWS_REGION says.
  void main(process.argv.slice(2), {
    config,
    cognitoFor: (region) => new CognitoIdentityProviderClient({ region }),
    ssmFor: (region) => new SSMClient({ region }),
    readPassword: passwordReader({ input: process.stdin, prompts: process.stderr }),
    out: process.stdout,
    err: process.stderr,
  }).then((exitCode) => {
    process.exitCode = exitCode;
  });
}
