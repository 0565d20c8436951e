import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalFunction, type InvokeResult, type LocalFunctionSpec } from '../../local/lambda-runtime';
import { MetricStore, type MetricKey } from '../../local/metric-store';

const REGION = 'us-east-1';
const functionArn = (name: string) => `arn:aws:lambda:${REGION}:123456789012:function:${name}`;

/** What a handler saw of its context, as the context handler below returns it. */
const CONTEXT_HANDLER = `
export const handler = async (event, context) => ({
  event,
  functionName: context.functionName,
  awsRequestId: context.awsRequestId,
  invokedFunctionArn: context.invokedFunctionArn,
  remainingTimeMs: context.getRemainingTimeInMillis(),
});
`;

/** Counts invocations in module scope: the count restarts only when the environment does. */
const COUNTING_HANDLER = `
let invocations = 0;
export const handler = async (event) => {
  if (event?.fail) {
    const error = new Error('the order has no items');
    error.name = 'ValidationError';
    throw error;
  }
  if (event?.slow) await new Promise((resolve) => setTimeout(resolve, 5_000));
  invocations += 1;
  return invocations;
};
`;

let workDir: string;
let logDir: string;
let metrics: MetricStore;
let functions: LocalFunction[];

interface FunctionOptions {
  readonly source: string;
  readonly file?: string;
  readonly handler?: string;
  readonly environment?: Record<string, string>;
  readonly timeoutSeconds?: number;
}

function specFor(name: string, options: FunctionOptions): LocalFunctionSpec {
  return {
    name,
    arn: functionArn(name),
    region: REGION,
    codeDir: path.join(workDir, name),
    handler: options.handler ?? 'index.handler',
    environment: options.environment ?? { AWS_REGION: REGION },
    timeoutSeconds: options.timeoutSeconds ?? 3,
    memoryMb: 256,
    maximumRetryAttempts: 2,
    roleSessionArn: `arn:aws:sts::123456789012:assumed-role/${name}-role/${name}`,
  };
}

/** Writes the handler bundle into its own code directory and loads it as a local function. */
function localFunction(name: string, options: FunctionOptions): LocalFunction {
  const spec = specFor(name, options);
  mkdirSync(spec.codeDir);
  writeFileSync(path.join(spec.codeDir, options.file ?? 'index.mjs'), options.source);
  const fn = new LocalFunction(spec, metrics, logDir);
  functions.push(fn);
  return fn;
}

function payloadOf(result: InvokeResult): any {
  if (!result.ok) throw new Error(`expected a successful invocation, got ${result.error.errorType}: ${result.error.errorMessage}`);
  return result.payload;
}

/** Handler output reaches the parent asynchronously, after the invocation's result may have. */
async function eventually(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeEach(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'lambda-runtime-test-'));
  logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  metrics = new MetricStore();
  functions = [];
});
afterEach(async () => {
  await Promise.all(functions.map((fn) => fn.stop()));
  rmSync(workDir, { recursive: true, force: true });
});

describe('LocalFunction', () => {
  test('the handler receives the event and a Lambda context', async () => {
    const fn = localFunction('regionalapp-local-context', { source: CONTEXT_HANDLER, timeoutSeconds: 3 });
    const event = { routeKey: 'GET /hello', headers: { 'x-request': '1' } };

    const first = payloadOf(await fn.invoke(event));
    const second = payloadOf(await fn.invoke(event));

    expect(first.event).toEqual(event);
    expect(first.functionName).toBe('regionalapp-local-context');
    expect(first.invokedFunctionArn).toBe(functionArn('regionalapp-local-context'));
    expect(first.awsRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(second.awsRequestId).not.toBe(first.awsRequestId);
    expect(first.remainingTimeMs).toBeGreaterThan(0);
    expect(first.remainingTimeMs).toBeLessThanOrEqual(3_000);
  });

  test('loads a CommonJS bundle that sets exports.handler', async () => {
    const fn = localFunction('regionalapp-local-cjs', {
      file: 'index.js',
      source: 'exports.handler = async (event) => ({ doubled: event.n * 2, commonJs: typeof module === "object" && typeof require === "function" });\n',
    });

    expect(await fn.invoke({ n: 21 })).toEqual({ ok: true, payload: { doubled: 42, commonJs: true } });
  });

  test("the handler's process.env is exactly the function's environment, not the local process's", async () => {
    const environment = { AWS_REGION: REGION, TABLE_NAME: 'regionalapp-local-clicks', POWERTOOLS_SERVICE_NAME: 'clicks' };
    const fn = localFunction('regionalapp-local-env', { source: 'export const handler = async () => ({ ...process.env });\n', environment });
    process.env.LAMBDA_RUNTIME_TEST_HOST_ONLY = 'must not leak';
    try {
      expect(payloadOf(await fn.invoke({}))).toEqual(environment);
    } finally {
      delete process.env.LAMBDA_RUNTIME_TEST_HOST_ONLY;
    }
  });

  test("two functions each see their own values, not each other's", async () => {
    const source = 'export const handler = async () => process.env.GREETING;\n';
    const english = localFunction('regionalapp-local-english', { source, environment: { GREETING: 'hello' } });
    const french = localFunction('regionalapp-local-french', { source, environment: { GREETING: 'bonjour' } });

    const [fromEnglish, fromFrench] = await Promise.all([english.invoke({}), french.invoke({})]);

    expect(payloadOf(fromEnglish)).toBe('hello');
    expect(payloadOf(fromFrench)).toBe('bonjour');
  });

  test('module scope runs once: the environment is reused across invocations', async () => {
    const fn = localFunction('regionalapp-local-counter', { source: COUNTING_HANDLER });

    const counts = [];
    for (let call = 0; call < 3; call++) counts.push(payloadOf(await fn.invoke({})));

    expect(counts).toEqual([1, 2, 3]);
  });

  test('invocations run one at a time, even when invoked concurrently', async () => {
    const fn = localFunction('regionalapp-local-serial', {
      source: `
const steps = [];
export const handler = async (event) => {
  steps.push(\`start \${event.id}\`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  steps.push(\`end \${event.id}\`);
  return [...steps];
};
`,
    });

    const [, second] = await Promise.all([fn.invoke({ id: 'a' }), fn.invoke({ id: 'b' })]);

    expect(payloadOf(second)).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  test('a thrown error is the error result, and the environment serves the next invocation', async () => {
    const fn = localFunction('regionalapp-local-throws', { source: COUNTING_HANDLER });

    const first = await fn.invoke({});
    const failed = await fn.invoke({ fail: true });
    const next = await fn.invoke({});

    expect(payloadOf(first)).toBe(1);
    expect(failed).toEqual({ ok: false, error: { errorType: 'ValidationError', errorMessage: 'the order has no items' } });
    expect(payloadOf(next)).toBe(2);
  });

  test('a handler slower than the timeout fails with Sandbox.Timedout after timeoutSeconds', async () => {
    const fn = localFunction('regionalapp-local-slow', { source: COUNTING_HANDLER, timeoutSeconds: 0.3 });

    const startedAt = Date.now();
    const timedOut = await fn.invoke({ slow: true });
    const elapsedMs = Date.now() - startedAt;

    expect(timedOut).toEqual({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.30 seconds' } });
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  // Fails today: the timed-out worker's 'exit' handler (local/lambda-runtime.ts, startWorker) calls
  // failAll(), which also fails the invocation already pending on the replacement worker.
  test('after a timeout, the next invocation runs in a fresh environment', async () => {
    const fn = localFunction('regionalapp-local-slow', { source: COUNTING_HANDLER, timeoutSeconds: 0.3 });

    const warm = await fn.invoke({});
    await fn.invoke({ slow: true });
    const next = await fn.invoke({});

    expect(payloadOf(warm)).toBe(1);
    expect(next).toEqual({ ok: true, payload: 1 });
  });

  test('a handler setting that names a missing export fails the invocation, naming the export', async () => {
    const fn = localFunction('regionalapp-local-misnamed', { source: COUNTING_HANDLER, handler: 'index.main' });

    const result = await fn.invoke({});

    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.errorMessage).toMatch(/\bmain\b/);
  });

  test('a handler file that is not in the bundle fails construction, naming the directory', () => {
    const spec = specFor('regionalapp-local-missing', { source: '', handler: 'app.handler' });
    mkdirSync(spec.codeDir);
    writeFileSync(path.join(spec.codeDir, 'index.mjs'), COUNTING_HANDLER);

    expect(() => new LocalFunction(spec, metrics, logDir)).toThrow(spec.codeDir);
  });

  test('printed lines go to the function log, EMF lines become metrics, and every invocation counts in AWS/Lambda', async () => {
    const name = 'regionalapp-local-clicks';
    const fn = localFunction(name, {
      source: `
export const handler = async (event) => {
  console.log('counting a click');
  console.log(JSON.stringify({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: 'RegionalApp', Dimensions: [['service']], Metrics: [{ Name: 'ClicksCounted', Unit: 'Count' }] }],
    },
    service: 'clicks',
    ClicksCounted: 1,
  }));
  if (event.fail) throw new Error('table unavailable');
  return 'counted';
};
`,
    });
    const clicks: MetricKey = { namespace: 'RegionalApp', metricName: 'ClicksCounted', dimensions: { service: 'clicks' } };
    const lambdaMetric = (metricName: string) => metrics.values({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: name } }, 0, Infinity);

    await fn.invoke({});
    await fn.invoke({ fail: true });
    await eventually(() => metrics.values(clicks, 0, Infinity).length === 2);
    await fn.stop();

    expect(metrics.values(clicks, 0, Infinity)).toEqual([1, 1]);
    expect(lambdaMetric('Invocations')).toEqual([1, 1]);
    expect(lambdaMetric('Errors')).toEqual([0, 1]);
    expect(lambdaMetric('Duration')).toHaveLength(2);
    for (const durationMs of lambdaMetric('Duration')) expect(durationMs).toBeGreaterThanOrEqual(0);
    const log = readFileSync(path.join(logDir, `${name}.log`), 'utf8');
    expect(log.split('\n').filter((line) => line === 'counting a click')).toHaveLength(2);
    expect(log).toContain('"ClicksCounted":1');
    expect(log).toContain('table unavailable');
  });
});
