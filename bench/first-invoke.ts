/**
 * T2: per handler, the first invocation against the local environment — a fresh execution
 * environment (worker thread), the bundle's import and one real request to the emulators — for
 * our bundle beside the same handler bundled the `NodejsFunction` default way (bench/handlers.ts
 * builds the twin exactly as NodejsFunction does), measured in the same run, interleaved.
 *
 * Both run in local us-east-1 (the first app region) with the function's own environment from the
 * template, so the difference is the bundle. Each sample starts a new LocalFunction and stops it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { randomUUID } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER } from '../lambda/shared/api-contract';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE, HOME_PAGE } from '../lambda/shared/click-event';
import { HANDLERS, type HandlerName } from '../lib/handler-bundles';
import { PARAMETER_KEYS, parameterPath, ROUTES, SLACK_ROUTES } from '../lib/names';
import { alarmSnsMessage } from '../local/alarm-message';
import { localClients, startLocalEnvironment, type Endpoints } from '../local/environment';
import { LocalFunction } from '../local/lambda-runtime';
import { MetricStore } from '../local/metric-store';
import { LOCAL_ACCOUNT_ID, type LocalRegion } from '../local/provision';
import { build, DEFAULT_DIR, defaultExternals, nodejsFunctionDefaultOptions } from './handlers';
import { formatTable, measureInterleaved, round, type BenchContext, type BenchResult, type Benchmark } from './timing';

const DEFAULT_SAMPLES = 5;
const MIN_SAMPLES = 3;

/** One representative request per handler, as its trigger delivers it. */
function sampleEvent(handler: HandlerName, region: LocalRegion, endpoints: Endpoints, ingestObject: { bucket: string; key: string; size: number }): unknown {
  const { region: regionName } = region;
  const user = endpoints.regions[regionName].user;
  const api = (routeKey: string, body?: string) => {
    const [method, rawPath] = routeKey.split(' ');
    return {
      version: '2.0', routeKey, rawPath, rawQueryString: '',
      headers: { 'content-type': 'application/json', [IDEMPOTENCY_KEY_HEADER]: `bench-${randomUUID()}` },
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID, apiId: 'bench', domainName: '127.0.0.1', http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
        requestId: randomUUID(), routeKey, stage: '$default', time: new Date().toISOString(), timeEpoch: Date.now(),
        authorizer: { jwt: { claims: { sub: randomUUID(), email: user.email, token_use: 'id' }, scopes: null } },
      },
      ...(body ? { body, isBase64Encoded: false } : { isBase64Encoded: false }),
    };
  };
  const clickEvent = () => ({
    version: '0', id: randomUUID(), 'detail-type': CLICK_EVENT_DETAIL_TYPE, source: CLICK_EVENT_SOURCE, account: LOCAL_ACCOUNT_ID,
    time: new Date().toISOString(), region: regionName, resources: [],
    detail: { page: HOME_PAGE, region: regionName, idempotencyKey: `bench-${randomUUID()}`, clickedAt: new Date().toISOString() },
  });
  switch (handler) {
    case 'health': return api(`GET ${ROUTES.health}`);
    case 'login': return api(`POST ${ROUTES.login}`, JSON.stringify({ username: user.email, password: user.password }));
    case 'hello': return api(`GET ${ROUTES.hello}`);
    case 'click': return api(`POST ${ROUTES.click}`);
    case 'views': return api(`GET ${ROUTES.views}`);
    case 'regions': return api(`GET ${ROUTES.regions}`);
    case 'counter': return clickEvent();
    case 'dlq-replay': return { Records: [{ messageId: randomUUID(), receiptHandle: 'bench', body: JSON.stringify(clickEvent()), attributes: {}, messageAttributes: {}, eventSource: 'aws:sqs', awsRegion: regionName }] };
    case 'ingest': return { Records: [{ eventSource: 'aws:s3', awsRegion: regionName, eventName: 'ObjectCreated:Put', s3: { bucket: { name: ingestObject.bucket }, object: { key: ingestObject.key, size: ingestObject.size } } }] };
    case 'notifier': {
      const alarm = region.alarms[0];
      return { Records: [{ EventSource: 'aws:sns', Sns: { Type: 'Notification', MessageId: randomUUID(), TopicArn: alarm.AlarmActions?.[0], Subject: 'bench', Timestamp: new Date().toISOString(), Message: alarmSnsMessage({ alarm, oldState: 'OK', newState: 'ALARM', reason: 'bench', timestamp: new Date().toISOString() }, regionName, LOCAL_ACCOUNT_ID) } }] };
    }
    // Unsigned: reads the signing secret and answers 401, the same path a real command takes first.
    case 'slack-command': return api(`POST ${SLACK_ROUTES.commands}`, 'command=%2Fregionalapp&text=status');
  }
}

async function runFirstInvoke(context: BenchContext): Promise<BenchResult> {
  const samples = context.runsGiven ? Math.max(context.runs, MIN_SAMPLES) : DEFAULT_SAMPLES;
  const twinDir = path.join(context.root, DEFAULT_DIR);
  context.log(`first-invoke: bundling the NodejsFunction default twins (${DEFAULT_DIR}/) and starting the local environment`);
  const twins = build(nodejsFunctionDefaultOptions(defaultExternals(context.root)), context.root, twinDir, '.js');
  const environment = await startLocalEnvironment();
  const logDir = mkdtempSync(path.join(tmpdir(), 'bench-first-invoke-'));
  try {
    const region = environment.regions[0];
    const { endpoints } = environment;
    const clients = localClients(region.region, endpoints.emulators.moto, endpoints.emulators.dynamodb);
    const names = { project: endpoints.project, stageName: endpoints.stageName, region: region.region };
    const { Parameter } = await clients.ssm.send(new GetParameterCommand({ Name: parameterPath(names, PARAMETER_KEYS.ingestBucketName) }));
    const body = JSON.stringify([{ clickedAt: new Date().toISOString() }]);
    const ingestObject = { bucket: Parameter!.Value!, key: `bench/clicks-${randomUUID()}.json`, size: Buffer.byteLength(body) };
    await clients.s3.send(new PutObjectCommand({ Bucket: ingestObject.bucket, Key: ingestObject.key, Body: body }));

    const rows: { handler: HandlerName; ours: number; twin: number; oursErrors: number; twinErrors: number }[] = [];
    for (const fn of region.functions.values()) {
      const handler = fn.spec.environment.POWERTOOLS_SERVICE_NAME as HandlerName;
      if (!HANDLERS.includes(handler)) continue;
      const errors = { ours: 0, twin: 0 };
      const contender = (name: 'ours' | 'twin', codeDir: string) => ({
        name,
        run: async () => {
          const local = new LocalFunction({ ...fn.spec, codeDir }, new MetricStore(), logDir);
          const started = performance.now();
          const result = await local.invoke(sampleEvent(handler, region, endpoints, ingestObject));
          const seconds = (performance.now() - started) / 1000;
          await local.stop();
          if (!result.ok) errors[name]++;
          return seconds;
        },
      });
      const summaries = await measureInterleaved([contender('ours', fn.spec.codeDir), contender('twin', path.dirname(twins.get(handler)!.file))], { runs: samples });
      rows.push({ handler, ours: summaries.get('ours')!.median * 1000, twin: summaries.get('twin')!.median * 1000, oursErrors: errors.ours, twinErrors: errors.twin });
      context.log(`first-invoke: ${handler} ours ${rows.at(-1)!.ours.toFixed(1)} ms, default ${rows.at(-1)!.twin.toFixed(1)} ms`);
    }
    const report = [
      `First invoke against the local environment (median of ${samples} fresh execution environments per variant, interleaved; worker start + import + one real request to the emulators, ${region.region})`,
      formatTable(['handler', 'ours ms', 'default ms', 'speed-up', 'failed invokes (ours/default)'], rows.map((row) => [
        row.handler, row.ours.toFixed(1), row.twin.toFixed(1), `${(row.twin / row.ours).toFixed(2)}×`, `${row.oursErrors}/${row.twinErrors}`,
      ])),
    ].join('\n');
    return {
      report,
      json: {
        benchmark: 'first-invoke',
        measuredAt: new Date().toISOString(),
        node: process.version,
        region: region.region,
        samples,
        method: 'new LocalFunction (worker thread with the template environment) per sample; ms from invoke() to its result, incl. worker start and bundle import',
        handlers: Object.fromEntries(rows.map((row) => [row.handler, {
          oursMs: round(row.ours, 1), nodejsFunctionDefaultMs: round(row.twin, 1), speedup: round(row.twin / row.ours), failedInvokes: { ours: row.oursErrors, nodejsFunctionDefault: row.twinErrors },
        }])),
      },
    };
  } finally {
    await environment.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
}

export const firstInvokeBenchmark: Benchmark = {
  name: 'first-invoke',
  description: `per handler: first invocation ms against the local environment (median of ${DEFAULT_SAMPLES} fresh execution environments), ours vs the NodejsFunction default bundling`,
  run: runFirstInvoke,
};
