import * as path from 'node:path';
import { AlreadyRunningError, ENDPOINTS_FILE, startLocalEnvironment, type Endpoints } from '../local/environment';
import { MissingToolError } from '../local/emulators';

/**
 * `npm start` (L1): RegionalApp's regions on this machine, no AWS account and no Docker needed.
 * Prints every URL and the seeded user; Ctrl-C stops everything it started.
 */

function describe(endpoints: Endpoints): string {
  const lines = [`\nRegionalApp is running locally (${endpoints.stageName} stage) — ready in ${endpoints.readyInSeconds} s.\n`];
  for (const [region, urls] of Object.entries(endpoints.regions)) {
    lines.push(
      `  ${region}`,
      `    site        ${urls.site}`,
      `    user API    ${urls.api}`,
      `    DynamoDB    ${urls.dynamodb}  (this region's replica, IAM enforced)`,
      ...(urls.slackApi ? [`    Slack API   ${urls.slackApi}`] : []),
      `    Slack       ${urls.slackMessages}`,
      `    sign in as  ${urls.user.email} / ${urls.user.password}`,
      `    logs        ${path.relative(process.cwd(), urls.logs)}/`,
      '',
    );
  }
  lines.push(
    `  Slack stand-in  ${endpoints.slackStandIn}/  (messages from the alarm notifiers; POST /commands sends a signed slash command)`,
    `  emulators       moto ${endpoints.emulators.moto}, DynamoDB Local ${endpoints.emulators.dynamodb} (a database per signing region)`,
    `  replication     ${endpoints.replication.tables.join(', ')}: ${endpoints.replication.lagMs} ms between regions (LOCAL_REPLICATION_LAG_MS), last writer wins`,
    `  for scripts     ${path.relative(process.cwd(), ENDPOINTS_FILE)}`,
    '',
    'Ctrl-C stops it all.',
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  console.log('Starting RegionalApp locally…');
  const environment = await startLocalEnvironment({ progress: (message) => console.log(message) });
  console.log(describe(environment.endpoints));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local environment…`);
    await environment.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const known = error instanceof MissingToolError || error instanceof AlreadyRunningError;
  console.error(known || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : error.stack ?? error.message);
  process.exit(1);
});
