/**
 * What local IAM enforcement (L2) costs: a DynamoDB GetItem and an SQS GetQueueUrl as the e2e suite
 * makes them, through the IAM-enforcing proxy (parse, authorize against the check role's policies,
 * forward) beside the same call straight to the emulator, in the same run and interleaved. Also the
 * cost of one uncached IAM decision (@cloud-copilot/iam-simulate).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parameterPath, PARAMETER_KEYS, queueNames } from '../lib/names';
import { startLocalEnvironment } from '../local/environment';
import { IamPolicies, roleArnOf } from '../local/iam-policies';
import { formatTable, measureInterleaved, round, type BenchContext, type BenchResult, type Benchmark } from './timing';

const CALLS_PER_SAMPLE = 50;
const DEFAULT_SAMPLES = 5;

async function runIamProxy(context: BenchContext): Promise<BenchResult> {
  const samples = context.runsGiven ? context.runs : DEFAULT_SAMPLES;
  context.log('iam-proxy: starting the local environment');
  const environment = await startLocalEnvironment();
  try {
    const { endpoints } = environment;
    const region = Object.keys(endpoints.regions)[0];
    const names = { project: endpoints.project, stageName: endpoints.stageName, region };
    const check = endpoints.regions[region].checkCredentials;
    const direct = { region, credentials: endpoints.credentials };
    const enforced = { region, credentials: check };
    const tableName = (await new SSMClient({ ...direct, endpoint: endpoints.emulators.moto }).send(new GetParameterCommand({ Name: parameterPath(names, PARAMETER_KEYS.tableName) }))).Parameter!.Value!;
    const calls = [
      {
        name: 'DynamoDB GetItem',
        direct: new DynamoDBClient({ ...direct, endpoint: endpoints.emulators.dynamodb }),
        enforced: new DynamoDBClient({ ...enforced, endpoint: endpoints.regions[region].dynamodb }),
        send: (client: DynamoDBClient | SQSClient) => (client as DynamoDBClient).send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'BENCH' }, sk: { S: 'BENCH' } } })),
      },
      {
        name: 'SQS GetQueueUrl (moto)',
        direct: new SQSClient({ ...direct, endpoint: endpoints.emulators.moto }),
        enforced: new SQSClient({ ...enforced, endpoint: endpoints.aws.moto }),
        send: (client: DynamoDBClient | SQSClient) => (client as SQSClient).send(new GetQueueUrlCommand({ QueueName: queueNames(names).clickDlq })),
      },
    ];
    const rows: string[][] = [];
    const json: Record<string, unknown> = {};
    for (const call of calls) {
      const timed = (client: DynamoDBClient | SQSClient) => async () => {
        const started = performance.now();
        for (let index = 0; index < CALLS_PER_SAMPLE; index++) await call.send(client);
        return (performance.now() - started) / 1000 / CALLS_PER_SAMPLE;
      };
      const summaries = await measureInterleaved([{ name: 'direct', run: timed(call.direct) }, { name: 'enforced', run: timed(call.enforced) }], { runs: samples });
      const directMs = summaries.get('direct')!.median * 1000;
      const enforcedMs = summaries.get('enforced')!.median * 1000;
      rows.push([call.name, directMs.toFixed(2), enforcedMs.toFixed(2), `+${(enforcedMs - directMs).toFixed(2)}`]);
      json[call.name] = { directMs: round(directMs, 3), enforcedMs: round(enforcedMs, 3) };
      context.log(`iam-proxy: ${call.name} direct ${directMs.toFixed(2)} ms, enforced ${enforcedMs.toFixed(2)} ms`);
    }

    const decisionMs = await uncachedDecisionMs(region);
    const report = [
      `Local IAM enforcement (median of ${samples} samples of ${CALLS_PER_SAMPLE} sequential calls, interleaved; ${region}, as the check role)`,
      formatTable(['call', 'direct ms', 'through IAM proxy ms', 'added ms'], rows),
      `One uncached IAM decision (iam-simulate): ${decisionMs.toFixed(2)} ms; decisions are cached per principal, action, resource and context.`,
    ].join('\n');
    return { report, json: { benchmark: 'iam-proxy', measuredAt: new Date().toISOString(), node: process.version, samples, callsPerSample: CALLS_PER_SAMPLE, calls: json, uncachedDecisionMs: round(decisionMs, 3) } };
  } finally {
    await environment.stop();
  }
}

/** Median ms of a decision that misses the cache (a new resource each time). */
async function uncachedDecisionMs(region: string): Promise<number> {
  const account = '123456789012';
  const policies = new IamPolicies(account);
  const role = roleArnOf(account, 'bench');
  policies.addRole(role, [{ PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: `arn:aws:dynamodb:${region}:${account}:table/*` }] } }]);
  const principal = policies.session(role, 'bench').sessionArn;
  await policies.authorize({ principal, action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:${region}:${account}:table/warm` });
  const timings: number[] = [];
  for (let index = 0; index < 200; index++) {
    const started = performance.now();
    await policies.authorize({ principal, action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:${region}:${account}:table/t${index}` });
    timings.push(performance.now() - started);
  }
  return timings.sort((a, b) => a - b)[Math.floor(timings.length / 2)];
}

export const iamProxyBenchmark: Benchmark = {
  name: 'iam-proxy',
  description: 'ms per AWS call through the local IAM-enforcing proxy vs straight to the emulator, and one uncached IAM decision',
  run: runIamProxy,
};
