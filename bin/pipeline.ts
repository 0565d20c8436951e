/**
 * `npm run pipeline -- status | rollback | approve`. All behaviour lives in lib/pipeline-cli.ts;
 * this file only connects it to the real AWS client and the terminal.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { main } from '../lib/pipeline-cli';

// No explicit region or credentials: the SDK resolves AWS_REGION, AWS_PROFILE and SSO sessions
// the same way the aws CLI does in the same shell.
const client = new CodePipelineClient({});

void main(process.argv.slice(2), { client, out: process.stdout, err: process.stderr }).then((exitCode) => {
  process.exitCode = exitCode;
});
