import { HANDLERS, type HandlerName } from '../../lib/handler-bundles';
import { captureOutput } from '../support/output';
import { lambdaContext } from './lambda-context';

/**
 * Powertools in every handler, as Lambda runs it: each handler is loaded into a fresh module
 * registry (a new execution environment, `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand` as Lambda sets
 * it for on-demand functions) and invoked twice, every AWS call failing, so each invocation logs.
 * - Logger: every log line carries the invocation's Lambda context (`logger.addContext(context)`);
 *   `cold_start` is true in the first invocation of an environment only.
 * - Metrics: a handler that publishes metrics emits one `ColdStart` EMF document in the first
 *   invocation of each environment (`metrics.captureColdStartMetric()`), in the app's namespace with
 *   the dimensions `service` and `function_name`; its own metrics keep the one dimension `service`.
 */

const NAMESPACE = 'regionalapp-test';

/** Every variable a handler reads at module scope (lambda/**: requireEnv). */
const ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  POWERTOOLS_METRICS_NAMESPACE: NAMESPACE,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'regionalapp-test-table',
  SITE_BUCKET_NAME: 'regionalapp-test-site',
  HELLO_IMAGE_KEY: 'images/hello.svg',
  CLICKED_IMAGE_KEY: 'images/clicked.svg',
  EVENT_BUS_NAME: 'regionalapp-test-bus',
  // Every click fails on purpose (logged, and counted in DeliberateFailures).
  RANDOM_FAILURE_RATE: '1',
  USER_POOL_CLIENT_ID: 'test-client-id',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test-webhook',
  INGEST_REJECTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/test-rejects',
  FORCED_FAILURE_PARAMETER: '/regionalapp/test/us-east-1/forced-failure',
  APP_REGIONS: 'us-east-1,us-west-2',
  API_URL_PARAMETER: '/regionalapp/test/us-east-1/api-url',
  SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:test-signing',
};

const apiRequest = { headers: {}, requestContext: { requestId: 'api-request-1' } };

interface Case {
  /** An event that makes the handler log something. */
  readonly event: unknown;
  /** Whether the handler publishes metrics (and so the ColdStart metric); this event makes it publish one of its own. */
  readonly metrics: boolean;
  /** What every AWS call answers; by default each one fails. */
  readonly answer?: () => Promise<unknown>;
}

const CASES: Record<HandlerName, Case> = {
  health: { event: {}, metrics: true },
  login: { event: { ...apiRequest, body: JSON.stringify({ username: 'ada@example.com', password: 'correct horse battery' }), isBase64Encoded: false }, metrics: true },
  hello: { event: apiRequest, metrics: false },
  click: { event: apiRequest, metrics: true },
  views: { event: apiRequest, metrics: false },
  regions: { event: {}, metrics: false },
  counter: { event: { id: 'event-1', source: 'regionalapp.click', 'detail-type': 'PageClicked', detail: {} }, metrics: true },
  'dlq-replay': { event: { Records: [{ messageId: 'message-1', body: 'not json', attributes: { ApproximateReceiveCount: '1' } }] }, metrics: true },
  // The job item is written (PROCESSING, then FAILED), so the refused file is logged.
  ingest: { event: { Records: [{ s3: { bucket: { name: 'regionalapp-test-ingest' }, object: { key: 'clicks.txt', size: 10 } } }] }, metrics: true, answer: async () => ({}) },
  // The webhook secret holds no URL: the delivery fails, is logged and counted.
  notifier: { event: { Records: [{ Sns: { MessageId: 'sns-1', Message: 'a plain notice', Subject: 'Test' } }] }, metrics: true, answer: async () => ({ SecretString: 'not a url' }) },
  // An unsigned request is rejected, logged and counted.
  'slack-command': { event: { headers: {}, body: 'text=status', isBase64Encoded: false }, metrics: true, answer: async () => ({ SecretString: 'signing-secret' }) },
};

type Handler = (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

/** The handler in a new execution environment: its own module registry, every AWS client's send answered by `answer`. */
function freshEnvironment(name: HandlerName, answer: () => Promise<unknown>): Handler {
  Object.assign(process.env, ENVIRONMENT, { POWERTOOLS_SERVICE_NAME: name });
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    // Every SDK client (DynamoDB's document client too) sends through this one class.
    const { Client } = jest.requireActual<typeof import('@smithy/core/client')>('@smithy/core/client');
    jest.spyOn(Client.prototype, 'send').mockImplementation(answer as never);
    handler = jest.requireActual<{ handler: Handler }>(`../../lambda/${name}`).handler;
  });
  return handler!;
}

const failing = async () => {
  throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: {} });
};

/** The JSON lines written while `run` ran: Powertools log lines and EMF documents. */
async function jsonLinesOf(output: () => string, run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const before = output().length;
  await run().catch(() => undefined);
  return output().slice(before).split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

const logLines = (lines: Record<string, any>[]) => lines.filter((line) => line._aws === undefined);
const emfOf = (lines: Record<string, any>[]) => lines.filter((line) => line._aws !== undefined);
const isColdStart = (emf: Record<string, any>) => emf._aws.CloudWatchMetrics.some((directive: any) => directive.Metrics.some((metric: any) => metric.Name === 'ColdStart'));

let output: () => string;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => jest.restoreAllMocks());

test('every handler has a case here', () => {
  expect(Object.keys(CASES).sort()).toEqual([...HANDLERS].sort());
});

describe.each(HANDLERS.map((name) => [name, CASES[name]] as const))('%s', (name, { event, metrics, answer }) => {
  const functionName = `regionalapp-test-${name}`;

  test('every log line carries the invocation\'s Lambda context; cold_start only in the first invocation of an environment', async () => {
    const handler = freshEnvironment(name, answer ?? failing);

    const first = logLines(await jsonLinesOf(output, () => handler(event, lambdaContext('request-1', functionName))));
    const second = logLines(await jsonLinesOf(output, () => handler(event, lambdaContext('request-2', functionName))));

    const context = {
      service: name,
      function_name: functionName,
      function_arn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
      function_memory_size: '512',
    };
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    for (const line of first) expect(line).toMatchObject({ ...context, function_request_id: 'request-1', cold_start: true });
    for (const line of second) expect(line).toMatchObject({ ...context, function_request_id: 'request-2', cold_start: false });
  });

  test(metrics
    ? 'emits one ColdStart metric per execution environment, beside its own metrics\' unchanged EMF'
    : 'publishes no metrics, so no ColdStart metric either', async () => {
    const environments = [];
    for (const environment of [1, 2]) {
      const handler = freshEnvironment(name, answer ?? failing);
      const invocations = [];
      for (const request of [1, 2]) invocations.push(emfOf(await jsonLinesOf(output, () => handler(event, lambdaContext(`request-${environment}-${request}`, functionName)))));
      environments.push(invocations);
    }

    const coldStarts = environments.map((invocations) => invocations.map((emf) => emf.filter(isColdStart)));
    if (!metrics) {
      expect(environments.flat(2)).toEqual([]);
      return;
    }
    const coldStart = {
      _aws: { Timestamp: expect.any(Number), CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [['service', 'function_name']], Metrics: [{ Name: 'ColdStart', Unit: 'Count' }] }] },
      service: name,
      function_name: functionName,
      ColdStart: 1,
    };
    // Each environment's first invocation emits it, its second does not.
    expect(coldStarts).toEqual([[[coldStart], []], [[coldStart], []]]);
    // The handler's own metrics: the app's namespace, the one dimension `service`, as the alarms read them.
    const own = environments.flat(2).filter((emf) => !isColdStart(emf));
    expect(own.length).toBeGreaterThan(0);
    for (const emf of own) {
      expect(emf._aws.CloudWatchMetrics).toEqual([expect.objectContaining({ Namespace: NAMESPACE, Dimensions: [['service']] })]);
      expect(emf.service).toBe(name);
      expect(emf.function_name).toBeUndefined();
    }
  });
});
