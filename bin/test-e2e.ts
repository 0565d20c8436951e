import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { motoCognitoSigningKeyFile } from '../local/emulators';
import { QUIET_SDK, startLocalEnvironment, type Endpoints } from '../local/environment';

/**
 * `npm run test:e2e` (E1): starts the local environment, runs the end-to-end suite (integ/), then the
 * failover drill (integ/failover.drill.ts), against
 * each local region in turn — the same suite the pipeline runs against a deployed region — and
 * stops the environment. Extra arguments go to jest (e.g. a test name filter).
 */

const ROOT = path.resolve(__dirname, '..');

const FORGED_TOKEN_SIGNING_KEY = motoCognitoSigningKeyFile();

function suiteEnvironment(endpoints: Endpoints, region: string): NodeJS.ProcessEnv {
  const urls = endpoints.regions[region];
  const peer = Object.keys(endpoints.regions).find((other) => other !== region);
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: process.env.CI,
    // The browser test's choice of browser (integ/find-browser.ts), and its deliberate opt-out.
    ...(process.env.CHROME_PATH ? { CHROME_PATH: process.env.CHROME_PATH } : {}),
    ...(process.env.E2E_BROWSER ? { E2E_BROWSER: process.env.E2E_BROWSER } : {}),
    API_URL: urls.api,
    SITE_URL: urls.site,
    EXPECTED_REGION: region,
    AWS_REGION: region,
    STAGE_NAME: endpoints.stageName,
    // The suite signs as the region's post-deploy check role, through the IAM-enforcing endpoints:
    // a permission the pipeline's check role lacks fails here as it would fail the pipeline.
    AWS_ACCESS_KEY_ID: urls.checkCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: urls.checkCredentials.secretAccessKey,
    AWS_SESSION_TOKEN: urls.checkCredentials.sessionToken,
    AWS_ENDPOINT_URL: endpoints.aws.moto,
    AWS_ENDPOINT_URL_DYNAMODB: urls.dynamodb,
    // Alarms are evaluated every second locally; deployed, CloudWatch's metric delay takes minutes.
    ALARM_TIMEOUT_SECONDS: '60',
    CHECK_ALARM_TIMEOUT_SECONDS: '30',
    SLACK_MESSAGES_URL: urls.slackMessages,
    SLACK_STANDIN_URL: endpoints.slackStandIn,
    ...(peer ? {
      PEER_REGION: peer,
      PEER_API_URL: endpoints.regions[peer].api,
      // Each region's DynamoDB has its own endpoint locally; deployed, the SDK derives it from the region.
      PEER_AWS_ENDPOINT_URL_DYNAMODB: endpoints.regions[peer].dynamodb,
      REPLICATION_LAG_MS: String(endpoints.replication.lagMs),
      PEER_AWS_ACCESS_KEY_ID: endpoints.regions[peer].checkCredentials.accessKeyId,
      PEER_AWS_SECRET_ACCESS_KEY: endpoints.regions[peer].checkCredentials.secretAccessKey,
      PEER_AWS_SESSION_TOKEN: endpoints.regions[peer].checkCredentials.sessionToken,
    } : {}),
    JEST_JUNIT_OUTPUT_NAME: `e2e-${region}.xml`,
    // integ/forged-tokens.e2e.ts signs with the emulator's own key, so only the claim checks refuse its tokens.
    ...(FORGED_TOKEN_SIGNING_KEY ? { FORGED_TOKEN_SIGNING_KEY } : {}),
    ...QUIET_SDK,
  };
}

function runSuite(env: NodeJS.ProcessEnv, jestArgs: string[]): Promise<number> {
  const child = spawn(process.execPath, [path.join(ROOT, 'node_modules/jest/bin/jest.js'), '--config', 'integ/jest.config.js', ...jestArgs], {
    cwd: ROOT,
    env,
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const started = Date.now();
  const environment = await startLocalEnvironment({ progress: (message) => console.log(message) });
  let failed = 0;
  try {
    console.log(`Local environment ready in ${environment.endpoints.readyInSeconds} s.`);
    for (const region of Object.keys(environment.endpoints.regions)) {
      console.log(`\n── end-to-end suite against local ${region} ──`);
      const env = suiteEnvironment(environment.endpoints, region);
      let code = await runSuite(env, process.argv.slice(2));
      // The pipeline's optional failover drill (integ/failover.drill.ts), against the local region.
      if (process.argv.length <= 2) code ||= await runSuite({ ...env, JEST_JUNIT_OUTPUT_NAME: `drill-${region}.xml` }, ['--testMatch', '**/*.drill.ts']);
      if (code !== 0) failed++;
    }
    // What AWS would have refused during the run (one IAM model serves every region): a missing
    // permission in the CDK code shows up here by action and resource, whichever test it broke.
    const denials = environment.regions[0]?.policies.denials ?? [];
    if (denials.length > 0) console.log(`\nAccess denied during the run, as AWS would deny it:\n${denials.map((line) => `  - ${line}`).join('\n')}`);
  } finally {
    await environment.stop();
  }
  console.log(`\ntest:e2e ${failed === 0 ? 'passed' : `failed in ${failed} region(s)`} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
