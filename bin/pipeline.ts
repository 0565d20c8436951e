/**
 * `npm run pipeline -- status | rollback | approve`. All behaviour lives in cli/pipeline-cli.ts;
 * this file only connects it to the real AWS client and the terminal.
 */
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { main, pipelineClientRegion } from '../cli/pipeline-cli';

// The pipeline's region (AWS_REGION, else cdk.json's pipelineRegion); credentials resolve from
// AWS_PROFILE, SSO sessions and the environment the same way the aws CLI does in the same shell.
const client = new CodePipelineClient({ region: pipelineClientRegion() });

void main(process.argv.slice(2), { client, out: process.stdout, err: process.stderr }).then((exitCode) => {
  process.exitCode = exitCode;
});
