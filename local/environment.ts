import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AppConfig } from '../lib/config';
import { journeyPermissions } from '../pipeline/region-check-step';
import { parameterPath, PARAMETER_KEYS, type NameScope } from '../lib/names';
import { addUser } from '../cli/users-cli';
import { alarmSnsMessage, type AlarmTransition } from './alarm-message';
import { AlarmWatcher } from './alarm-watcher';
import { deliverToBucket, streamTableChanges } from './change-stream';
import { checkTools, launchDynamoDbLocal, launchMoto, type Emulator } from './emulators';
import { invokeAsync, startDeliveries } from './event-delivery';
import { evaluatedOperations, publicOperations } from './aws-requests';
import { IamPolicies, roleArnOf, type RoleSession } from './iam-policies';
import { IamProxy } from './iam-proxy';
import { MetricStore } from './metric-store';
import { repeat, type Poller } from './poller';
import { LOCAL_ACCOUNT_ID, RegionProvisioner, type AwsClients, type LocalRegion } from './provision';
import { allowedAndReported, cloudWatchPublishAccess, snsInvokeAccess } from './service-access';
import { SlackStandIn } from './slack-standin';
import { synthesizeLocalStages } from './synth';
import { GlobalEndpoint, latencyRoutes, LOCAL_INTERVAL_DIVISOR } from './global-endpoint';
import { regionStacks } from './templates';
import { replicationLagMs, TableReplicator } from './replicator';

/**
 * `npm start` (L1): both app regions on this machine — the emulators, every region's resources
 * created from the synthesized templates (a global table's replica in each region, replicated
 * with AWS's lag and last-writer-wins: local/replicator.ts), the handler bundles behind local
 * HTTP APIs, the event, stream and alarm wiring, the sites, a Slack stand-in, and a seeded user
 * per region.
 */

const LOCAL_DIR = path.resolve(__dirname, '..', '.local');
export const ENDPOINTS_FILE = path.join(LOCAL_DIR, 'endpoints.json');
const LOCK_FILE = path.join(LOCAL_DIR, 'env.lock');
/** Never handed to an SDK client as it is: the SDK marks credentials objects it is given (`$source`). */
const LOCAL_CREDENTIALS = Object.freeze({ accessKeyId: 'local', secretAccessKey: 'local' });
const ALARM_TICK_MS = 1_000;
/**
 * How often queue depths are sampled into AWS/SQS ApproximateNumberOfMessagesVisible. CloudWatch
 * gets SQS metrics once a minute; every 5 s keeps the local alarms quicker than AWS's without a
 * GetQueueAttributes per queue per second.
 */
const QUEUE_DEPTH_SAMPLE_MS = 5_000;
/** The SDK warns on Node < 22 (it stops supporting 20 in 2027); Lambda runs Node 24, so locally it is noise. */
export const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } as const;

interface RegionEndpoints {
  readonly api: string;
  /**
   * The region's DynamoDB (its replica of the global table), behind IAM enforcement: requests must
   * be signed for this region, as at dynamodb.<region>.amazonaws.com.
   */
  readonly dynamodb: string;
  /** The Slack command API (A5): the slash command posts to this + /slack/commands. */
  readonly slackApi: string | null;
  readonly site: string;
  /** Where this region's notifier posts (the Slack stand-in's incoming webhook). */
  readonly slackWebhook: string;
  /** This region's messages in the Slack stand-in. */
  readonly slackMessages: string;
  readonly user: { readonly email: string; readonly password: string };
  readonly logs: string;
  /**
   * Credentials of the region's post-deploy check role (pipeline/region-check-step.ts): the
   * e2e suite signs with them, so it may do locally exactly what the pipeline lets it do.
   */
  readonly checkCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

export interface Endpoints {
  readonly pid: number;
  readonly startedAt: string;
  readonly readyInSeconds: number;
  readonly stageName: string;
  readonly project: string;
  /**
   * The emulators themselves: no IAM, for the environment's own work (as AWS services do theirs).
   * DynamoDB Local keeps a database per signing region: sign for a region to reach its replica.
   */
  readonly emulators: { readonly moto: string; readonly dynamodb: string };
  /** moto behind IAM enforcement: what functions and the e2e suite call (each region's DynamoDB is in `regions`). */
  readonly aws: { readonly moto: string };
  /** Global tables: how long a write takes to reach the other regions' replicas (LOCAL_REPLICATION_LAG_MS). */
  readonly replication: { readonly lagMs: number; readonly tables: readonly string[] };
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly slackStandIn: string;
  readonly regions: Readonly<Record<string, RegionEndpoints>>;
  /**
   * With a custom domain (the templates have health-checked latency records): one URL for every
   * region, routed as Route 53 would (local/global-endpoint.ts); null without one.
   */
  readonly globalApi: string | null;
}

export interface RunningEnvironment {
  readonly endpoints: Endpoints;
  readonly regions: readonly LocalRegion[];
  stop(): Promise<void>;
}

/** Another `npm start` is running; the message says where. */
export class AlreadyRunningError extends Error {}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function takeLock(): void {
  ensureDirectory(LOCAL_DIR);
  if (existsSync(LOCK_FILE)) {
    const pid = Number(readFileSync(LOCK_FILE, 'utf8'));
    if (pid && pid !== process.pid && processAlive(pid)) {
      throw new AlreadyRunningError(`The local environment is already running (process ${pid}); its URLs are in ${path.relative(process.cwd(), ENDPOINTS_FILE)}. Stop it with Ctrl-C in its terminal (or kill ${pid}) before starting another.`);
    }
  }
  writeFileSync(LOCK_FILE, String(process.pid));
}

/** Every SDK client a region needs, pointed at the emulators. */
export function localClients(region: string, motoUrl: string, dynamodbUrl: string): AwsClients & { secrets: SecretsManagerClient; streams: DynamoDBStreamsClient } {
  const common = { region, credentials: { ...LOCAL_CREDENTIALS }, endpoint: motoUrl };
  return {
    cloudwatch: new CloudWatchClient(common),
    cognito: new CognitoIdentityProviderClient(common),
    dynamodb: new DynamoDBClient({ ...common, endpoint: dynamodbUrl }),
    streams: new DynamoDBStreamsClient({ ...common, endpoint: dynamodbUrl }),
    events: new EventBridgeClient(common),
    // The Kinesis client speaks HTTP/2 by default, which the emulator does not.
    kinesis: new KinesisClient({ ...common, requestHandler: new NodeHttpHandler() }),
    s3: new S3Client({ ...common, forcePathStyle: true }),
    secrets: new SecretsManagerClient(common),
    sqs: new SQSClient(common),
    ssm: new SSMClient(common),
  };
}

/** A password the template's strict policy accepts, new on every start. */
function generatedPassword(): string {
  return `Local-${randomBytes(9).toString('base64url')}-7a`;
}

export interface StartOptions {
  /** Called with each step as it finishes, for the start-up log. */
  readonly progress?: (message: string) => void;
  /** Global tables' replication lag; LOCAL_REPLICATION_LAG_MS, else about a second as in AWS. */
  readonly replicationLagMs?: number;
}

export async function startLocalEnvironment(options: StartOptions = {}): Promise<RunningEnvironment> {
  const started = Date.now();
  const progress = (message: string) => options.progress?.(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${message}`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= QUIET_SDK.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const lagMs = options.replicationLagMs ?? replicationLagMs();
  takeLock();
  const cleanups: (() => Promise<void>)[] = [async () => { rmSync(LOCK_FILE, { force: true }); rmSync(ENDPOINTS_FILE, { force: true }); }];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    checkTools();
    const logRoot = ensureDirectory(path.join(LOCAL_DIR, 'logs'));
    // The emulators boot (a JVM takes ~2 s) while this process synthesizes the app.
    const launched = await Promise.all([launchMoto(logRoot), launchDynamoDbLocal(logRoot)]);
    cleanups.push(...launched.map((emulator) => () => emulator.stop()));
    const emulatorsStarting = Promise.all(launched.map((emulator) => emulator.ready()));
    // Awaited after synth; should synth throw first, the emulators' outcome must not go unhandled.
    emulatorsStarting.catch(() => undefined);
    const outdir = path.join(LOCAL_DIR, 'cdk.out');
    const config = synthesizeLocalStages(outdir);
    progress(`synthesized RegionalApp for ${config.appRegions.join(' and ')} into ${path.relative(process.cwd(), outdir)}`);
    const [moto, dynamodb] = await emulatorsStarting;
    progress(`moto server at ${moto.url}, DynamoDB Local at ${dynamodb.url}`);

    const signingSecret = randomBytes(32).toString('hex');
    const slack = new SlackStandIn({ signingSecret });
    await slack.start();
    cleanups.push(() => slack.stop());

    const policies = new IamPolicies(LOCAL_ACCOUNT_ID);
    const iamLog = path.join(logRoot, 'iam-denials.log');
    policies.onDenial = (line) => writeFileSync(iamLog, `${new Date().toISOString()} ${line}\n`, { flag: 'a' });
    const secrets = new Map<string, string>();
    const proxy = (target: Emulator, regional: { region?: string; databaseAccessKey?: string } = {}) => new IamProxy({
      ...regional,
      target: target.url,
      policies,
      secretArn: (secretId, region) => (secretId.startsWith('arn:') ? secretId : secrets.get(`${region}/${secretId}`)),
      onEvent: (event) => policies.reportDenial(`${event.operation} (${event.decision})`, { allowed: false, explicit: false, message: event.message ?? '' }),
    });
    // moto serves every region at one endpoint; each region's DynamoDB has its own, as in AWS.
    const proxies = [proxy(moto), ...config.appRegions.map((region) => proxy(dynamodb, { region, databaseAccessKey: LOCAL_CREDENTIALS.accessKeyId }))];
    const [awsMoto, ...regionDynamodb] = await Promise.all(proxies.map((enforcing) => enforcing.listen()));
    cleanups.push(() => Promise.all(proxies.map((enforcing) => enforcing.close())).then(() => undefined));
    const aws = { moto: awsMoto, dynamodb: Object.fromEntries(config.appRegions.map((region, index) => [region, regionDynamodb[index]])) };
    const clients = Object.fromEntries(config.appRegions.map((region) => [region, localClients(region, moto.url, dynamodb.url)]));

    const user = { email: 'demo@example.com', password: generatedPassword() };
    const regions: LocalRegion[] = [];
    const endpoints: Record<string, RegionEndpoints> = {};
    for (const region of config.appRegions) {
      const running = await startRegion({ region, config, moto, clients, aws: { moto: aws.moto, dynamodb: aws.dynamodb[region] }, policies, secrets, slack, signingSecret, logRoot, user });
      cleanups.push(running.stop);
      regions.push(running.local);
      endpoints[region] = running.endpoints;
      progress(`${region}: ${running.summary}`);
    }
    const replicated = replicateGlobalTables(regions, clients, lagMs, path.join(logRoot, 'replication.log'));
    cleanups.push(() => Promise.all(replicated.map((replicator) => replicator.stop())).then(() => undefined));
    const tables = regions.flatMap((local) => local.globalTables.map((table) => table.tableName));
    progress(`global tables ${tables.join(', ')}: a replica in each region, changes replicated after ${lagMs} ms (LOCAL_REPLICATION_LAG_MS), last writer wins`);
    // POST <stand-in>/commands with {"region": …} sends the slash command to that region's Slack API.
    slack.setSlackApis(Object.fromEntries(Object.entries(endpoints).flatMap(([region, urls]) => (urls.slackApi ? [[region, urls.slackApi]] : []))));
    const globalApi = await startGlobalEndpoint(config.appRegions.map((region) => ({ region, stacks: regionStacks(outdir, region) })), endpoints, cleanups, progress);
    progress(`IAM enforced at ${aws.moto} (moto) and ${Object.entries(aws.dynamodb).map(([region, url]) => `${url} (${region} DynamoDB)`).join(', ')} for ${policies.sessionCount} role sessions; denials go to ${path.relative(process.cwd(), iamLog)}`);
    progress(`  not IAM-authorized (as in AWS): ${publicOperations().join(', ')}; any operation outside ${Object.values(evaluatedOperations()).flat().length} mapped ones is denied`);
    for (const note of policies.unevaluable) progress(`  cannot evaluate: ${note}`);

    const result: Endpoints = {
      pid: process.pid,
      startedAt: new Date(started).toISOString(),
      readyInSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
      stageName: config.stageName,
      project: config.project,
      emulators: { moto: moto.url, dynamodb: dynamodb.url },
      aws: { moto: aws.moto },
      replication: { lagMs, tables },
      credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey },
      slackStandIn: slack.url,
      regions: endpoints,
      globalApi,
    };
    writeFileSync(ENDPOINTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    return { endpoints: result, regions, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The API name's latency routing, locally, when the templates have it (A15). */
async function startGlobalEndpoint(
  regions: readonly { readonly region: string; readonly stacks: Parameters<typeof latencyRoutes>[0] }[],
  endpoints: Readonly<Record<string, RegionEndpoints>>,
  cleanups: (() => Promise<void> | void)[],
  progress: (line: string) => void,
): Promise<string | null> {
  // In appRegions order: the first healthy region stands in for the nearest.
  const routes = regions.flatMap(({ region, stacks }) => latencyRoutes(stacks).filter((route) => route.region === region));
  if (routes.length === 0) return null;
  const endpoint = new GlobalEndpoint({
    targets: routes.map((route) => ({ region: route.region, url: endpoints[route.region].api, route })),
    onChange: (region, healthy) => progress(`global API: ${region} is now ${healthy ? 'healthy' : 'unhealthy'}; requests go to ${endpoint.currentRegion()}`),
  });
  const url = await endpoint.start();
  cleanups.push(() => endpoint.stop());
  const [{ intervalSeconds, failureThreshold, recordName }] = routes;
  progress(`global API (${recordName}) at ${url}: /health every ${intervalSeconds / LOCAL_INTERVAL_DIVISOR} s (${intervalSeconds} s deployed), ${failureThreshold} failures flip a region`);
  return url;
}

interface RegionStart {
  readonly region: string;
  readonly config: AppConfig;
  readonly moto: Emulator;
  /** Every region's clients for the emulators (a global table has a replica in each). */
  readonly clients: Readonly<Record<string, ReturnType<typeof localClients>>>;
  /** The IAM-enforcing endpoints in front of the emulators. */
  readonly aws: { readonly moto: string; readonly dynamodb: string };
  readonly policies: IamPolicies;
  /** `<region>/<secret name>` → the secret's ARN, for the proxy (ARNs carry a random suffix). */
  readonly secrets: Map<string, string>;
  readonly slack: SlackStandIn;
  readonly signingSecret: string;
  readonly logRoot: string;
  readonly user: { readonly email: string; readonly password: string };
}

async function startRegion({ region, config, moto, clients: allClients, aws, policies, secrets, slack, signingSecret, logRoot, user }: RegionStart) {
  const clients = allClients[region];
  const metrics = new MetricStore();
  const logDir = ensureDirectory(path.join(logRoot, region));
  const names: NameScope = { project: config.project, stageName: config.stageName, region };
  const slackChannel = `local/${region}`;

  // Secrets the app reads but does not create (cdk.json's slack.*SecretName), as an operator would.
  for (const [name, value] of [[config.slack.webhookSecretName, slack.webhookUrl(slackChannel)], [config.slack.signingSecretName, signingSecret]]) {
    const { ARN } = await clients.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    secrets.set(`${region}/${name}`, ARN!);
  }

  const provisioner = new RegionProvisioner({
    region,
    clients,
    metrics,
    logDir,
    cognitoUrl: moto.url,
    policies,
    replicaDynamodb: (replicaRegion) => allClients[replicaRegion]?.dynamodb,
    // Each function also gets its own role's credentials (provision/functions.ts): the proxies authorize its calls.
    runtimeEnvironment: {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: aws.moto,
      AWS_ENDPOINT_URL_DYNAMODB: aws.dynamodb,
      TZ: 'UTC',
      ...QUIET_SDK,
    },
  });
  const stacks = regionStacks(path.join(LOCAL_DIR, 'cdk.out'), region);
  for (const stack of stacks) await provisioner.provisionStack(stack);
  const local = provisioner.local;

  const parameter = async (key: (typeof PARAMETER_KEYS)[keyof typeof PARAMETER_KEYS]) =>
    (await clients.ssm.send(new GetParameterCommand({ Name: parameterPath(names, key) }))).Parameter!.Value!;
  const [apiUrl, siteUrl, slackApiUrl] = await Promise.all([parameter(PARAMETER_KEYS.apiUrl), parameter(PARAMETER_KEYS.siteUrl), parameter(PARAMETER_KEYS.slackApiUrl)]);
  // As `npm run users -- add` does in a deployed region.
  await addUser({ config: { ...names, appRegions: [region] }, cognitoFor: () => clients.cognito, ssmFor: () => clients.ssm }, region, user.email, user.password);

  const errors = path.join(logDir, 'local-environment.log');
  const onError = (error: unknown) => writeFileSync(errors, `${new Date().toISOString()} ${error instanceof Error ? error.message : String(error)}\n`, { flag: 'a' });
  const pollers: Poller[] = [
    ...startDeliveries(local, clients.sqs, onError),
    // Each replica's own stream feeds its Kinesis stream.
    ...local.changeStreams.map((change) => streamTableChanges({ ...allClients[change.region], kinesis: clients.kinesis, tableName: change.tableName, kinesisStreamArn: change.streamArn, region: change.region }, onError)),
    ...local.deliveryStreams.map((stream) => deliverToBucket({ kinesis: clients.kinesis, s3: clients.s3, stream, policies }, onError)),
  ];
  const alarms = watchAlarms(local, clients, metrics, onError);

  const check = checkRoleSession(policies, names, config.slack.signingSecretName);
  return {
    local,
    summary: `${stacks.length} stacks, ${local.functions.size} functions, ${local.apis.reduce((sum, api) => sum + api.routes.length, 0)} routes, ${local.alarms.length} alarms; API ${apiUrl}, site ${siteUrl}`,
    endpoints: {
      api: apiUrl,
      dynamodb: aws.dynamodb,
      slackApi: slackApiUrl,
      site: siteUrl,
      slackWebhook: slack.webhookUrl(slackChannel),
      slackMessages: `${slack.url}/messages?channel=${encodeURIComponent(slackChannel)}`,
      user,
      logs: logDir,
      checkCredentials: { accessKeyId: check.accessKeyId, secretAccessKey: check.secretAccessKey, sessionToken: check.sessionToken },
    } satisfies RegionEndpoints,
    stop: async () => {
      await alarms.stop();
      await Promise.all(pollers.map((poller) => poller.stop()));
      await Promise.all([...local.apis.map((api) => api.close()), ...local.sites.map((site) => site.close())]);
      await Promise.all([...local.functions.values()].map((fn) => fn.stop()));
    },
  };
}

/** A replicator per global table, between its replicas in the local regions (local/replicator.ts). */
function replicateGlobalTables(regions: readonly LocalRegion[], clients: Readonly<Record<string, ReturnType<typeof localClients>>>, lagMs: number, logFile: string): Poller[] {
  const onError = (error: unknown) => writeFileSync(logFile, `${new Date().toISOString()} ${error instanceof Error ? error.message : String(error)}\n`, { flag: 'a' });
  return regions.flatMap((local) => local.globalTables.map((table) => new TableReplicator({
    tableName: table.tableName,
    replicas: table.regions.map((region) => ({ region, dynamodb: clients[region].dynamodb, streams: clients[region].streams })),
    lagMs,
    onError,
  }).start()));
}

/**
 * The region's post-deploy check role, with the statements the pipeline gives it
 * (journeyPermissions), as a role the local IAM knows: the e2e suite signs as its session.
 */
function checkRoleSession(policies: IamPolicies, names: NameScope, signingSecretName: string): RoleSession {
  const roleArn = roleArnOf(LOCAL_ACCOUNT_ID, `${names.project}-${names.stageName}-${names.region}-check`);
  const statements = journeyPermissions({ names, account: LOCAL_ACCOUNT_ID, partition: 'aws', signingSecretName }).map((statement) => statement.toStatementJson());
  policies.addRole(roleArn, [{ PolicyName: 'journey', PolicyDocument: { Version: '2012-10-17', Statement: statements } }]);
  return policies.session(roleArn, 'AWSCodeBuild-e2e');
}

/** moto stores alarms without evaluating them: evaluate here, and deliver to the topics' subscribers. */
function watchAlarms(local: LocalRegion, clients: AwsClients, metrics: MetricStore, onError: (error: unknown) => void): Poller {
  const notify = async (transition: AlarmTransition) => {
    const { alarm, newState } = transition;
    const actions = newState === 'ALARM' ? alarm.AlarmActions : newState === 'OK' ? alarm.OKActions : alarm.InsufficientDataActions;
    const message = alarmSnsMessage(transition, local.region, LOCAL_ACCOUNT_ID);
    for (const topicArn of actions ?? []) {
      if (!(await allowedAndReported(local, `alarm ${alarm.AlarmName} → topic ${topicArn.split(':').pop()}`, cloudWatchPublishAccess(local, alarm.AlarmName, topicArn)))) continue;
      for (const subscription of local.subscriptions.filter((candidate) => candidate.topicArn === topicArn && candidate.protocol === 'lambda')) {
        const fn = local.functionByArn(subscription.endpoint);
        if (!fn) continue;
        if (!(await allowedAndReported(local, `topic ${topicArn.split(':').pop()} → ${fn.spec.name}`, snsInvokeAccess(local, topicArn, fn.spec.arn)))) continue;
        const timestamp = new Date().toISOString();
        await invokeAsync(fn, {
          Records: [{
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
            Sns: {
              Type: 'Notification',
              MessageId: randomUUID(),
              TopicArn: topicArn,
              Subject: `${newState}: "${alarm.AlarmName}" in ${local.region}`.slice(0, 100),
              Message: message,
              Timestamp: timestamp,
              SignatureVersion: '1',
              Signature: '',
              SigningCertUrl: '',
              UnsubscribeUrl: '',
              MessageAttributes: {},
            },
          }],
        }, local, clients.sqs);
      }
    }
  };
  const watcher = new AlarmWatcher({ region: local.region, accountId: LOCAL_ACCOUNT_ID, alarms: local.alarms, metrics, cloudwatch: clients.cloudwatch, onTransition: notify });
  let sampledAt = 0;
  return repeat(async () => {
    if (Date.now() - sampledAt >= QUEUE_DEPTH_SAMPLE_MS) {
      await sampleQueueDepths(local, clients.sqs, metrics);
      sampledAt = Date.now();
    }
    await watcher.tick();
    metrics.prune(Date.now() - 60 * 60 * 1000);
  }, ALARM_TICK_MS, onError);
}

/** AWS/SQS ApproximateNumberOfMessagesVisible, which CloudWatch samples from every queue. */
async function sampleQueueDepths(local: LocalRegion, sqs: SQSClient, metrics: MetricStore): Promise<void> {
  await Promise.all([...local.queueUrls.values()].map(async (queueUrl) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    metrics.put({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueUrl.split('/').pop()! } }, Number(Attributes?.ApproximateNumberOfMessages ?? 0));
  }));
}

function ensureDirectory(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
