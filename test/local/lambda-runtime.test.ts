import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CONCURRENCY_QUOTA_VARIABLE } from '../../local/create-checks';
import { ENVIRONMENTS_VARIABLE, IDLE_RECLAIM_MS, LocalFunction, singleEnvironmentPerFunction, type InvokeResult, type LocalFunctionSpec } from '../../local/lambda-runtime';
import { MetricStore, type MetricKey } from '../../local/metric-store';
import { eventually } from '../support/eventually';

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

/**
 * Which execution environment ran an invocation: a random id drawn once per environment (module
 * scope), the environment's own invocation count, and when the handler started and ended. With
 * `holdDir`, the handler marks its arrival there and runs until the test releases it (see `Hold`):
 * proof that invocations run at the same time that no machine's speed can break.
 */
const ENVIRONMENT_HANDLER = `
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
const environmentId = Math.random().toString(36).slice(2);
let invocations = 0;
export const handler = async (event) => {
  const startedAt = Date.now();
  invocations += 1;
  const count = invocations;
  if (event?.holdDir) {
    writeFileSync(path.join(event.holdDir, environmentId + '-' + count), '');
    while (!existsSync(path.join(event.holdDir, 'release'))) await new Promise((resolve) => setTimeout(resolve, 10));
  } else {
    await new Promise((resolve) => setTimeout(resolve, event?.sleepMs ?? 300));
  }
  return { environmentId, count, startedAt, endedAt: Date.now() };
};
`;

/** Holds ENVIRONMENT_HANDLER invocations in their handlers until released. */
class Hold {
  readonly event: { readonly holdDir: string };
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.event = { holdDir: dir };
  }
  /** How many invocations are in their handlers now. */
  arrived(): number {
    return readdirSync(this.dir).filter((file) => file !== 'release').length;
  }
  /** Waits until `count` invocations are in their handlers at once (fails after 20 s). */
  async until(count: number): Promise<void> {
    await eventually(() => this.arrived() >= count, 20_000, `${count} invocations running at once`);
  }
  release(): void {
    writeFileSync(path.join(this.dir, 'release'), '');
  }
}

interface EnvironmentRun {
  readonly environmentId: string;
  readonly count: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

const runOf = (result: InvokeResult) => payloadOf(result) as EnvironmentRun;

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
  readonly reservedConcurrency?: number;
  readonly region?: string;
}

function specFor(name: string, options: FunctionOptions): LocalFunctionSpec {
  return {
    name,
    arn: functionArn(name),
    region: options.region ?? REGION,
    codeDir: path.join(workDir, name),
    handler: options.handler ?? 'index.handler',
    environment: options.environment ?? { AWS_REGION: REGION },
    timeoutSeconds: options.timeoutSeconds ?? 3,
    memoryMb: 256,
    maximumRetryAttempts: 2,
    roleSessionArn: `arn:aws:sts::123456789012:assumed-role/${name}-role/${name}`,
    reservedConcurrency: options.reservedConcurrency,
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
  delete process.env[ENVIRONMENTS_VARIABLE];
  delete process.env[CONCURRENCY_QUOTA_VARIABLE];
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

  test("an environment runs the bundle on plain Node, without the local process's flags (npm start's `--import tsx` and its module hooks)", () => {
    // Run the runtime as npm start runs it: under `node --import tsx`, whose flags a worker would inherit by default.
    const codeDir = path.join(workDir, 'flags');
    mkdirSync(codeDir);
    writeFileSync(path.join(codeDir, 'index.mjs'), 'export const handler = async () => process.execArgv;');
    const script = path.join(workDir, 'flags.ts');
    const spec = { ...specFor('regionalapp-local-flags', { source: '' }), codeDir };
    writeFileSync(script, `
      import { LocalFunction } from ${JSON.stringify(path.resolve(__dirname, '../../local/lambda-runtime'))};
      import { MetricStore } from ${JSON.stringify(path.resolve(__dirname, '../../local/metric-store'))};
      const fn = new LocalFunction(${JSON.stringify(spec)}, new MetricStore(), ${JSON.stringify(logDir)});
      fn.invoke({}).then(async (result) => { console.log(JSON.stringify(result)); await fn.stop(); });
    `);
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: path.resolve(__dirname, '../..'), encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ ok: true, payload: [] });
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

  const STEPS_HANDLER = `
const steps = [];
export const handler = async (event) => {
  steps.push(\`start \${event.id}\`);
  await new Promise((resolve) => setTimeout(resolve, 50));
  steps.push(\`end \${event.id}\`);
  return [...steps];
};
`;

  // Before issue 10 every function ran like this; now only with LOCAL_LAMBDA_ENVIRONMENTS=1.
  test('with LOCAL_LAMBDA_ENVIRONMENTS=1, invocations run one at a time in one environment, even when invoked concurrently', async () => {
    process.env[ENVIRONMENTS_VARIABLE] = '1';
    const fn = localFunction('regionalapp-local-serial', { source: STEPS_HANDLER });

    const [, second] = await Promise.all([fn.invoke({ id: 'a' }), fn.invoke({ id: 'b' })]);

    expect(payloadOf(second)).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  test('an environment serves one invocation at a time: concurrent invocations that outlast the scale-out delay run in environments of their own', async () => {
    const fn = localFunction('regionalapp-local-parallel', { source: ENVIRONMENT_HANDLER });
    const hold = new Hold(path.join(workDir, 'hold-parallel'));

    const running = [fn.invoke(hold.event), fn.invoke(hold.event)];
    await hold.until(2);
    hold.release();
    const runs = (await Promise.all(running)).map(runOf);

    expect(new Set(runs.map((run) => run.environmentId)).size).toBe(2);
    expect(runs.map((run) => run.count)).toEqual([1, 1]);
  });

  test('an invocation that finds every environment busy takes one that comes free within the scale-out delay, never the same one at once', async () => {
    const fn = localFunction('regionalapp-local-reuse', { source: STEPS_HANDLER.replace('setTimeout(resolve, 50)', 'setTimeout(resolve, 20)') });

    const [first, second] = await Promise.all([fn.invoke({ id: 'a' }), fn.invoke({ id: 'b' })]);

    expect(payloadOf(first)).toEqual(['start a', 'end a']);
    expect(payloadOf(second)).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  test('an environment idle for IDLE_RECLAIM_MS is reclaimed, as Lambda reclaims idle ones: the next invocation is a cold start', async () => {
    const fn = localFunction('regionalapp-local-reclaimed', { source: COUNTING_HANDLER });
    expect(payloadOf(await fn.invoke({}))).toBe(1);
    expect(payloadOf(await fn.invoke({}))).toBe(2);

    expect(fn.reclaimIdle(Date.now() + IDLE_RECLAIM_MS - 1_000)).toBe(0);
    expect(fn.reclaimIdle(Date.now() + IDLE_RECLAIM_MS)).toBe(1);

    expect(payloadOf(await fn.invoke({}))).toBe(1);
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
  test("the init phase (loading the bundle) is not the handler's time: a slow cold start does not time out a quick handler", async () => {
    const fn = localFunction('slow-init', {
      source: 'await new Promise((resolve) => setTimeout(resolve, 1_500));\nexport const handler = async (event, context) => context.getRemainingTimeInMillis();',
      timeoutSeconds: 1,
    });

    const remaining = payloadOf(await fn.invoke({}));

    expect(remaining).toBeGreaterThan(800);
    expect(remaining).toBeLessThanOrEqual(1_000);
  });

  test("at most one init per core at a time: a burst of cold starts takes turns on this machine's cores, and each waiting invocation takes the first environment ready", async () => {
    const cores = availableParallelism();
    const initLog = path.join(workDir, 'inits');
    mkdirSync(initLog);
    const fn = localFunction('paced', {
      source: `import { writeFileSync } from 'node:fs';
const started = Date.now();
await new Promise((resolve) => setTimeout(resolve, 300));
const id = Math.random().toString(36).slice(2);
writeFileSync(${JSON.stringify(initLog)} + '/' + id, JSON.stringify([started, Date.now()]));
export const handler = async () => id;`,
      reservedConcurrency: cores + 2,
    });

    const ids = await Promise.all(Array.from({ length: cores + 2 }, () => fn.invoke({}).then(payloadOf)));

    expect(ids).toHaveLength(cores + 2);
    // As many started at once as there are cores; the rest of the burst took turns (or the first free one).
    await eventually(() => readdirSync(initLog).length >= cores);
    const intervals = readdirSync(initLog).map((name) => JSON.parse(readFileSync(path.join(initLog, name), 'utf8')) as [number, number]);
    const overlapping = (at: number) => intervals.filter(([start, end]) => start <= at && at < end).length;
    expect(Math.max(...intervals.map(([start]) => overlapping(start)))).toBeLessThanOrEqual(cores);
  });

  test('a bundle that takes longer than the 10 s init limit to load fails the invocation as an init timeout', async () => {
    const fn = localFunction('stuck-init', { source: 'await new Promise(() => setInterval(() => undefined, 1_000));\nexport const handler = async () => 1;', timeoutSeconds: 1 });

    const result = await fn.invoke({});

    expect(result).toMatchObject({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('Phase: init Status: timeout') } });
  }, 15_000);

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

describe('LocalFunction concurrency', () => {
  const lambdaMetric = (name: string, metricName: string) => metrics.values({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: name } }, 0, Infinity);
  test('up to its reserved concurrency, invocations run at once in new environments; one more is throttled; an idle environment is reused warm', async () => {
    const name = 'regionalapp-local-reserved';
    const fn = localFunction(name, { source: ENVIRONMENT_HANDLER, reservedConcurrency: 3 });

    const hold = new Hold(path.join(workDir, 'hold-reserved'));
    const running = [fn.invoke(hold.event), fn.invoke(hold.event), fn.invoke(hold.event)];
    const fourth = await fn.invoke(hold.event);
    // Refused without running: while the three are still held, before any of them has started.
    const arrivedWhenThrottled = hold.arrived();
    await hold.until(3);
    hold.release();
    const runs = (await Promise.all(running)).map(runOf);

    expect(fourth).toEqual({
      ok: false,
      throttled: true,
      error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
    });
    expect(arrivedWhenThrottled).toBeLessThan(3);
    // Three cold starts, each in its own environment, all running at the same time (held together).
    expect(new Set(runs.map((run) => run.environmentId)).size).toBe(3);
    expect(runs.map((run) => run.count)).toEqual([1, 1, 1]);

    const warm = runOf(await fn.invoke({ sleepMs: 0 }));
    expect(runs.map((run) => run.environmentId)).toContain(warm.environmentId);
    expect(warm.count).toBe(2);

    expect(lambdaMetric(name, 'Throttles')).toEqual([1]);
    // The throttled request is neither an invocation nor an error.
    expect(lambdaMetric(name, 'Invocations')).toEqual([1, 1, 1, 1]);
    expect(lambdaMetric(name, 'Errors')).toEqual([0, 0, 0, 0]);
    expect(Math.max(...lambdaMetric(name, 'ConcurrentExecutions'))).toBe(3);
  });

  test('a function without a reservation is not throttled at four concurrent invocations', async () => {
    const name = 'regionalapp-local-unreserved';
    const fn = localFunction(name, { source: ENVIRONMENT_HANDLER });

    const hold = new Hold(path.join(workDir, 'hold-unreserved'));
    const running = [1, 2, 3, 4].map(() => fn.invoke(hold.event));
    await hold.until(4);
    hold.release();
    const results = await Promise.all(running);

    expect(new Set(results.map((result) => runOf(result).environmentId)).size).toBe(4);
    expect(lambdaMetric(name, 'Throttles')).toEqual([]);
  });

  test("functions without a reservation share the region's unreserved pool: the quota minus the region's reservations", async () => {
    process.env[CONCURRENCY_QUOTA_VARIABLE] = '3';
    const region = 'eu-west-3';
    localFunction('regionalapp-local-reserving', { source: ENVIRONMENT_HANDLER, reservedConcurrency: 1, region });
    const first = localFunction('regionalapp-local-pool-a', { source: ENVIRONMENT_HANDLER, region });
    const second = localFunction('regionalapp-local-pool-b', { source: ENVIRONMENT_HANDLER, region });

    const running = [first.invoke({ sleepMs: 200 }), second.invoke({ sleepMs: 200 })];
    const third = await first.invoke({ sleepMs: 0 });
    await Promise.all(running);
    const afterwards = await second.invoke({ sleepMs: 0 });

    expect(third).toEqual({ ok: false, throttled: true, error: expect.objectContaining({ errorType: 'TooManyRequestsException', reason: 'ConcurrentInvocationLimitExceeded' }) });
    expect(afterwards.ok).toBe(true);
    expect(lambdaMetric('regionalapp-local-pool-a', 'Throttles')).toEqual([1]);
  });

  test('a reserved concurrency of 0 throttles every invocation', async () => {
    const fn = localFunction('regionalapp-local-disabled', { source: ENVIRONMENT_HANDLER, reservedConcurrency: 0 });

    expect(await fn.invoke({})).toEqual(expect.objectContaining({ ok: false, throttled: true }));
  });

  test('with LOCAL_LAMBDA_ENVIRONMENTS=1, concurrent invocations queue in one environment and none is throttled', async () => {
    process.env[ENVIRONMENTS_VARIABLE] = '1';
    const name = 'regionalapp-local-queued';
    const fn = localFunction(name, { source: ENVIRONMENT_HANDLER, reservedConcurrency: 1 });

    const runs = (await Promise.all([1, 2, 3, 4].map(() => fn.invoke({ sleepMs: 100 })))).map(runOf);

    expect(new Set(runs.map((run) => run.environmentId)).size).toBe(1);
    expect(runs.map((run) => run.count)).toEqual([1, 2, 3, 4]);
    for (let index = 1; index < runs.length; index++) expect(runs[index].startedAt).toBeGreaterThanOrEqual(runs[index - 1].endedAt);
    expect(lambdaMetric(name, 'Throttles')).toEqual([]);
  });

  test('LOCAL_LAMBDA_ENVIRONMENTS is 1 or unset', () => {
    expect(singleEnvironmentPerFunction({})).toBe(false);
    expect(singleEnvironmentPerFunction({ [ENVIRONMENTS_VARIABLE]: '' })).toBe(false);
    expect(singleEnvironmentPerFunction({ [ENVIRONMENTS_VARIABLE]: '1' })).toBe(true);
    expect(() => singleEnvironmentPerFunction({ [ENVIRONMENTS_VARIABLE]: '4' })).toThrow(`${ENVIRONMENTS_VARIABLE} must be 1`);
  });

  test('a timed-out environment is thrown away; the others stay warm', async () => {
    const fn = localFunction('regionalapp-local-timeouts', { source: ENVIRONMENT_HANDLER, timeoutSeconds: 0.5, reservedConcurrency: 2 });

    const [slow, quick] = await Promise.all([fn.invoke({ sleepMs: 2_000 }), fn.invoke({ sleepMs: 0 })]);
    const next = runOf(await fn.invoke({ sleepMs: 0 }));

    expect(slow).toEqual({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.50 seconds' } });
    expect(next).toEqual(expect.objectContaining({ environmentId: runOf(quick).environmentId, count: 2 }));
  });
});
