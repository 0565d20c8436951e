import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { concurrencyQuotaFromEnvironment } from './create-checks';
import type { MetricStore } from './metric-store';

/**
 * Runs the synthesized Lambda bundles locally, with Lambda's concurrency. An execution environment
 * is a worker thread with exactly the environment variables of its template (plus local endpoints);
 * a new one runs its init phase (loads the bundle: a cold start, within Lambda's 10 s init limit)
 * and then serves one invocation at a time, with the template's timeout. A function runs as many
 * environments at once as it has invocations in flight (SCALE_OUT_DELAY_MS: how it grows here), up
 * to its reserved concurrency (`ReservedConcurrentExecutions`); a function without a reservation
 * draws from its region's unreserved pool, shared by all such functions of the region:
 * LOCAL_LAMBDA_CONCURRENCY_QUOTA (1000 by default) minus the region's reservations. An idle
 * environment serves the next invocation (warm); a timed-out one is thrown away. An invocation
 * beyond the limit is throttled as Lambda throttles it — a TooManyRequestsException ("Rate
 * Exceeded.") without running, counted in AWS/Lambda Throttles, not in Invocations or Errors;
 * callers decide what a throttle means (event-delivery.ts retries asynchronous events,
 * http-gateway.ts answers 500). LOCAL_LAMBDA_ENVIRONMENTS=1 instead gives each function one
 * environment whose invocations queue one after another, never throttled
 * (singleEnvironmentPerFunction). What the handlers print goes to
 * `.local/logs/<region>/<function>.log`; Powertools metrics (EMF) printed on stdout feed the local
 * alarms, and every invocation counts in AWS/Lambda metrics as deployed.
 */

export interface LocalFunctionSpec {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  /** The bundle directory in cdk.out. */
  readonly codeDir: string;
  /** `<file>.<export>`, as in the template. */
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Function-level dead-letter queue (async invocations that failed every retry). */
  readonly deadLetterQueueArn?: string;
  /** Lambda's async retries (EventInvokeConfig), 2 unless the template says otherwise. */
  readonly maximumRetryAttempts: number;
  /** The execution role's session: what Lambda itself does for the function (poll a queue, write to its DLQ) is authorized as it. */
  readonly roleSessionArn: string;
  /** The template's ReservedConcurrentExecutions: at most this many invocations at once. Without it, the region's unreserved pool. */
  readonly reservedConcurrency?: number;
}

export interface InvokeError {
  readonly errorType: string;
  readonly errorMessage: string;
}

/** Why Lambda throttled an invocation (the `Reason` of its TooManyRequestsException). */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

interface ThrottleError extends InvokeError {
  readonly errorType: 'TooManyRequestsException';
  readonly errorMessage: 'Rate Exceeded.';
  readonly reason: ThrottleReason;
}

export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly throttled?: false; readonly error: InvokeError }
  /** Lambda refused the invocation for want of concurrency: the function did not run. */
  | { readonly ok: false; readonly throttled: true; readonly error: ThrottleError };

export const ENVIRONMENTS_VARIABLE = 'LOCAL_LAMBDA_ENVIRONMENTS';

/**
 * LOCAL_LAMBDA_ENVIRONMENTS=1: one execution environment per function, its invocations queued one
 * after another and never throttled — the local runtime as it was before issue 10, for benchmarks
 * that compare with it. Unset (or empty): Lambda's concurrency, as described above. Read when a
 * LocalFunction is created; any other value is refused.
 */
export function singleEnvironmentPerFunction(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[ENVIRONMENTS_VARIABLE];
  if (value === undefined || value === '') return false;
  if (value === '1') return true;
  throw new Error(`${ENVIRONMENTS_VARIABLE} must be 1 (one execution environment per function) or unset (got "${value}")`);
}

/** One region's concurrency: the quota, what its functions reserve, and what the others use of the rest. */
interface RegionPool {
  readonly quota: number;
  reserved: number;
  unreservedInFlight: number;
  functions: number;
}

/** Per region, while it has functions (the quota is read when its first function is created). */
const regionPools = new Map<string, RegionPool>();

interface Pending {
  readonly id: string;
  resolve(result: InvokeResult): void;
  timer: NodeJS.Timeout;
}

/** An invocation waiting for an execution environment, since when. */
interface Waiter {
  readonly since: number;
  resolve(environment: Environment | InvokeError): void;
}

/** One execution environment: a worker thread, serving at most one invocation. */
interface Environment {
  readonly worker: Worker;
  readonly logStream: string;
  current?: Pending;
  /** When it last went idle. */
  idleSince?: number;
}

/**
 * Lambda reclaims an execution environment that has been idle for a while (minutes; AWS does not
 * promise how long). Here an environment idle this long is shut down, so a burst does not keep its
 * worker threads (tens of MB each) for as long as `npm start` runs.
 */
export const IDLE_RECLAIM_MS = 5 * 60_000;

/**
 * Lambda's init phase (loading the bundle) has its own limit, 10 s, and the function's timeout
 * starts with the handler ("Lambda execution environment lifecycle", docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
 */
const INIT_TIMEOUT_MS = 10_000;

/**
 * A Lambda environment initializes on its own host; here every environment shares this machine's
 * cores. So at most this many load their bundle at the same time, and the others wait for a slot:
 * - the first environments are ready early instead of all of them late (every init started at once
 *   made each take seconds on two cores, and time out under load);
 * - a waiting invocation takes the first environment ready, new or freed, and a start still waiting
 *   for its slot is dropped once no invocation needs it: Lambda would start it and leave it idle,
 *   here it would only take a core from the others;
 * - the next slot goes to the function with the fewest environments, so one function's burst of
 *   cold starts does not keep another waiting for its first.
 */
const PARALLEL_INITS = Math.max(1, availableParallelism());

let initializing = 0;
const initSlotWaiters: { readonly environments: () => number; readonly grant: () => void }[] = [];

function takeInitSlot(environments: () => number): Promise<void> {
  if (initializing < PARALLEL_INITS) {
    initializing += 1;
    return Promise.resolve();
  }
  return new Promise((resolve) => initSlotWaiters.push({ environments, grant: resolve }));
}

function releaseInitSlot(): void {
  if (initSlotWaiters.length === 0) {
    initializing -= 1;
    return;
  }
  let next = 0;
  for (let index = 1; index < initSlotWaiters.length; index++) {
    if (initSlotWaiters[index].environments() < initSlotWaiters[next].environments()) next = index;
  }
  // The slot passes straight to the next start: `initializing` stays as it is.
  initSlotWaiters.splice(next, 1)[0].grant();
}

/**
 * Lambda starts a new environment the moment none is idle, on a host of its own. Here a new
 * environment costs the whole machine a cold start (loading and compiling the bundle in a fresh
 * isolate, whose code then runs unoptimized for a while), which slowed every warm one until
 * requests piled up into more cold starts: under load the first 20 s were 1–4 s clicks and
 * throttles. So an invocation that finds every environment busy waits this long for one to come
 * free, and a function starts one environment at a time: a function whose warm invocations take
 * milliseconds serves a burst from the environments it has, and one under real concurrency still
 * scales out, one init after another, to its reserved concurrency (bench/local-load.ts measures it).
 */
const SCALE_OUT_DELAY_MS = 100;

const WORKER_FILE = path.join(__dirname, 'lambda-worker.mjs');

function handlerFile(codeDir: string, handler: string): { file: string; exportName: string } {
  const [base, exportName] = handler.split(/\.(?=[^.]+$)/);
  for (const extension of ['.mjs', '.js', '.cjs']) {
    const file = path.join(codeDir, `${base}${extension}`);
    if (existsSync(file)) return { file, exportName };
  }
  throw new Error(`Handler ${handler}: no ${base}.mjs/.js/.cjs in ${codeDir}`);
}

export class LocalFunction {
  /** Every live environment, busy or idle. */
  private readonly environments = new Set<Environment>();
  /** Live environments waiting for an invocation, the most recently used last. */
  private readonly idle: Environment[] = [];
  private inFlight = 0;
  private started = 0;
  /** Environments being started (or waiting for an init slot). */
  private starting = 0;
  /** Invocations waiting for an environment, oldest first. */
  private readonly waiting: Waiter[] = [];
  private readonly single: boolean;
  /** LOCAL_LAMBDA_ENVIRONMENTS=1 only: invocations run one after another. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pool: RegionPool;
  private isStopped = false;
  private readonly reclaimer: NodeJS.Timeout;
  private readonly log: WriteStream;
  private readonly entry: { file: string; exportName: string };

  constructor(readonly spec: LocalFunctionSpec, private readonly metrics: MetricStore, logDir: string) {
    this.entry = handlerFile(spec.codeDir, spec.handler);
    this.single = singleEnvironmentPerFunction();
    let pool = regionPools.get(spec.region);
    if (!pool) {
      pool = { quota: concurrencyQuotaFromEnvironment(), reserved: 0, unreservedInFlight: 0, functions: 0 };
      regionPools.set(spec.region, pool);
    }
    pool.functions += 1;
    pool.reserved += spec.reservedConcurrency ?? 0;
    this.pool = pool;
    this.log = createWriteStream(path.join(logDir, `${spec.name}.log`), { flags: 'a' });
    this.reclaimer = setInterval(() => this.reclaimIdle(), IDLE_RECLAIM_MS / 5);
    this.reclaimer.unref();
  }

  /** Whether stop() has been called: nothing more will run here. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /**
   * Invokes synchronously (RequestResponse): in an idle environment, or a new one while the
   * function's concurrency allows; beyond it, a throttled result at once.
   */
  invoke(event: unknown): Promise<InvokeResult> {
    if (!this.single) return this.run(event);
    const run = this.queue.then(() => this.run(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    if (!this.isStopped) {
      this.isStopped = true;
      this.pool.functions -= 1;
      this.pool.reserved -= this.spec.reservedConcurrency ?? 0;
      if (this.pool.functions === 0 && regionPools.get(this.spec.region) === this.pool) regionPools.delete(this.spec.region);
    }
    clearInterval(this.reclaimer);
    // Invocations still waiting for an environment get none.
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ errorType: 'Runtime.ExitError', errorMessage: 'the function was stopped' });
    const environments = [...this.environments];
    await Promise.all(environments.map((environment) => environment.worker.terminate()));
    for (const environment of environments) this.discard(environment, 'Runtime.ExitError', 'the execution environment exited');
    await new Promise((resolve) => this.log.end(resolve));
  }

  /** Takes one unit of concurrency; the release, or why the invocation is throttled. */
  private reserve(): (() => void) | ThrottleReason {
    const reserved = this.spec.reservedConcurrency;
    let fromPool = false;
    if (!this.single) {
      if (reserved !== undefined) {
        if (this.inFlight >= reserved) return 'ReservedFunctionConcurrentInvocationLimitExceeded';
      } else {
        if (this.pool.unreservedInFlight >= this.pool.quota - this.pool.reserved) return 'ConcurrentInvocationLimitExceeded';
        fromPool = true;
        this.pool.unreservedInFlight += 1;
      }
    }
    this.inFlight += 1;
    return () => {
      this.inFlight -= 1;
      if (fromPool) this.pool.unreservedInFlight -= 1;
    };
  }

  private async run(event: unknown): Promise<InvokeResult> {
    const release = this.reserve();
    if (typeof release === 'string') return this.throttle(release);
    try {
      this.put('ConcurrentExecutions', this.inFlight);
      const environment = await this.acquire();
      if ('errorType' in environment) {
        // The bundle failed to load (or to load in time): the invocation that waited for it fails.
        const result: InvokeResult = { ok: false, error: environment };
        this.record(result, 0);
        return result;
      }
      const started = Date.now();
      const result = await this.execute(environment, event);
      this.record(result, Date.now() - started);
      // Back in service before the concurrency is released: the next invocation finds it warm.
      if (this.environments.has(environment)) this.hand(environment);
      return result;
    } finally {
      release();
    }
  }

  private throttle(reason: ThrottleReason): InvokeResult {
    this.put('Throttles', 1);
    return { ok: false, throttled: true, error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', reason } };
  }

  /**
   * An idle environment, or the first one ready after this invocation asked. A new one is started
   * for it at once when the function has none; otherwise after SCALE_OUT_DELAY_MS, if no busy
   * one has come free by then.
   */
  private acquire(): Promise<Environment | InvokeError> {
    const idle = this.idle.pop();
    if (idle) return Promise.resolve(idle);
    return new Promise((resolve) => {
      const waiter: Waiter = { since: Date.now(), resolve };
      this.waiting.push(waiter);
      if (this.environments.size + this.starting === 0) void this.startEnvironment();
      else setTimeout(() => this.scaleOut(), SCALE_OUT_DELAY_MS);
    });
  }

  /**
   * A new environment for the invocations that have waited SCALE_OUT_DELAY_MS for a busy one to
   * come free, one init of this function at a time (see SCALE_OUT_DELAY_MS).
   */
  private scaleOut(): void {
    if (this.starting > 0 || this.isStopped) return;
    const [oldest] = this.waiting;
    if (oldest && Date.now() - oldest.since >= SCALE_OUT_DELAY_MS - 1) void this.startEnvironment();
  }

  /** A ready environment goes to the invocation that has waited longest, else waits idle. */
  private hand(environment: Environment): void {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter.resolve(environment);
      return;
    }
    environment.idleSince = Date.now();
    this.idle.push(environment);
  }

  /** Shuts down the environments idle for IDLE_RECLAIM_MS by `now`; returns how many. */
  reclaimIdle(now = Date.now()): number {
    const stale = this.idle.filter((environment) => now - (environment.idleSince ?? now) >= IDLE_RECLAIM_MS);
    for (const environment of stale) {
      this.forget(environment);
      void environment.worker.terminate();
    }
    return stale.length;
  }

  /** Starts an execution environment and runs its init phase (loads the bundle), when an init slot is free. */
  private async startEnvironment(): Promise<void> {
    this.starting += 1;
    await takeInitSlot(() => this.environments.size);
    // Served meanwhile by environments that came free: no invocation needs this one any more.
    if (this.isStopped || this.waiting.length === 0) {
      this.starting -= 1;
      releaseInitSlot();
      return;
    }
    let outcome: Environment | InvokeError;
    try {
      outcome = await this.initialize();
    } finally {
      releaseInitSlot();
      this.starting -= 1;
    }
    if ('errorType' in outcome) this.waiting.shift()?.resolve(outcome);
    else this.hand(outcome);
    // Invocations may still be waiting: the next environment for them, if they have waited long enough.
    this.scaleOut();
  }

  private initialize(): Promise<Environment | InvokeError> {
    this.started += 1;
    const worker = new Worker(WORKER_FILE, {
      // Not the parent's `--import tsx` (and its module hooks): a Lambda runtime loads the bundle as
      // plain JavaScript, and inheriting them cost each cold start far more CPU than the bundle itself.
      execArgv: [],
      workerData: this.entry,
      env: { ...this.spec.environment },
      stdout: true,
      stderr: true,
    });
    const environment: Environment = { worker, logStream: `local/${this.spec.name}/${this.started}` };
    this.environments.add(environment);
    this.capture(worker.stdout);
    this.capture(worker.stderr);
    return new Promise((resolve) => {
      let initializing = true;
      const initFailed = (error: InvokeError) => {
        initializing = false;
        clearTimeout(initTimer);
        this.forget(environment);
        void worker.terminate();
        resolve(error);
      };
      const initTimer = setTimeout(() => initFailed({ errorType: 'Sandbox.Timedout', errorMessage: `INIT_REPORT Init Duration: ${INIT_TIMEOUT_MS.toFixed(2)} ms Phase: init Status: timeout` }), INIT_TIMEOUT_MS);
      worker.on('message', (message: { initialized?: true; initError?: InvokeError; id?: string } & InvokeResult) => {
        if (initializing) {
          if (message.initError) {
            initFailed(message.initError);
            return;
          }
          initializing = false;
          clearTimeout(initTimer);
          resolve(environment);
          return;
        }
        const { id, ...result } = message;
        if (environment.current?.id === id) this.settle(environment, result as InvokeResult);
      });
      // Only this environment's invocation fails; one thrown away after a timeout is already gone.
      const exited = (errorMessage: string) => {
        if (initializing) initFailed({ errorType: 'Runtime.ExitError', errorMessage });
        else this.discard(environment, 'Runtime.ExitError', errorMessage);
      };
      worker.on('error', (error) => exited(error.message));
      worker.on('exit', () => exited('the execution environment exited'));
    });
  }

  private capture(stream: Readable): void {
    createInterface({ input: stream }).on('line', (line) => {
      this.metrics.recordEmf(line);
      this.log.write(`${line}\n`);
    });
  }

  private execute(environment: Environment, event: unknown): Promise<InvokeResult> {
    const id = randomUUID();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const context = {
      functionName: this.spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.spec.arn,
      memoryLimitInMB: String(this.spec.memoryMb),
      awsRequestId: id,
      logGroupName: `/aws/lambda/${this.spec.name}`,
      logStreamName: environment.logStream,
      timeoutMs,
    };
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        // Like Lambda, a timed-out environment is thrown away; later invocations use others, or a new one.
        this.forget(environment);
        void environment.worker.terminate();
        this.settle(environment, { ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` } });
      }, timeoutMs);
      environment.current = { id, resolve, timer };
      environment.worker.postMessage({ id, event, context });
    });
  }

  /** Takes an environment out of service; false when it already was. */
  private forget(environment: Environment): boolean {
    const index = this.idle.indexOf(environment);
    if (index >= 0) this.idle.splice(index, 1);
    return this.environments.delete(environment);
  }

  /** The environment's worker failed or exited: it serves nothing more, and its invocation fails. */
  private discard(environment: Environment, errorType: string, errorMessage: string): void {
    if (this.forget(environment)) this.settle(environment, { ok: false, error: { errorType, errorMessage } });
  }

  private settle(environment: Environment, result: InvokeResult): void {
    const pending = environment.current;
    if (!pending) return;
    environment.current = undefined;
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  private put(metricName: string, value: number): void {
    this.metrics.put({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: this.spec.name } }, value);
  }

  private record(result: InvokeResult, durationMs: number): void {
    this.put('Invocations', 1);
    this.put('Errors', result.ok ? 0 : 1);
    this.put('Duration', durationMs);
    if (!result.ok) this.log.write(`${JSON.stringify({ level: 'ERROR', message: 'invocation failed', ...result.error })}\n`);
  }
}
