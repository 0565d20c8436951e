import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { MetricStore } from './metric-store';

/**
 * Runs the synthesized Lambda bundles locally. Each function gets one execution environment — a
 * worker thread with exactly the environment variables of its template (plus local endpoints) — that
 * loads the bundle once and serves one invocation at a time, with the template's timeout. What the
 * handler prints goes to `.local/logs/<region>/<function>.log`; Powertools metrics (EMF) printed on
 * stdout feed the local alarms, and every invocation counts in AWS/Lambda metrics as deployed.
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
}

export type InvokeResult =
  | { readonly ok: true; readonly payload: unknown }
  | { readonly ok: false; readonly error: { readonly errorType: string; readonly errorMessage: string } };

interface Pending {
  resolve(result: InvokeResult): void;
  timer: NodeJS.Timeout;
}

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
  private worker?: Worker;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly pending = new Map<string, Pending>();
  private readonly log: WriteStream;
  private readonly entry: { file: string; exportName: string };

  constructor(readonly spec: LocalFunctionSpec, private readonly metrics: MetricStore, logDir: string) {
    this.entry = handlerFile(spec.codeDir, spec.handler);
    this.log = createWriteStream(path.join(logDir, `${spec.name}.log`), { flags: 'a' });
  }

  /** Invokes synchronously (RequestResponse); invocations of one function run one after another. */
  invoke(event: unknown): Promise<InvokeResult> {
    const run = this.queue.then(() => this.run(event));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
    await new Promise((resolve) => this.log.end(resolve));
  }

  private startWorker(): Worker {
    const worker = new Worker(WORKER_FILE, {
      workerData: this.entry,
      env: { ...this.spec.environment },
      stdout: true,
      stderr: true,
    });
    this.capture(worker.stdout);
    this.capture(worker.stderr);
    worker.on('message', ({ id, ...result }: { id: string } & InvokeResult) => this.settle(id, result));
    // A worker thrown away after a timeout may exit later: that must not fail its successor's work.
    worker.on('error', (error) => {
      if (this.worker === worker) this.failAll('Runtime.ExitError', error.message);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll('Runtime.ExitError', 'the execution environment exited');
    });
    return worker;
  }

  private capture(stream: Readable): void {
    createInterface({ input: stream }).on('line', (line) => {
      this.metrics.recordEmf(line);
      this.log.write(`${line}\n`);
    });
  }

  private run(event: unknown): Promise<InvokeResult> {
    this.worker ??= this.startWorker();
    const worker = this.worker;
    const id = randomUUID();
    const started = Date.now();
    const timeoutMs = this.spec.timeoutSeconds * 1000;
    const context = {
      functionName: this.spec.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.spec.arn,
      memoryLimitInMB: String(this.spec.memoryMb),
      awsRequestId: id,
      logGroupName: `/aws/lambda/${this.spec.name}`,
      logStreamName: `local/${this.spec.name}`,
      timeoutMs,
    };
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        // Like Lambda, a timed-out environment is thrown away; the next invocation starts a new one.
        this.worker = undefined;
        void worker.terminate();
        this.settle(id, { ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${this.spec.timeoutSeconds.toFixed(2)} seconds` } });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      worker.postMessage({ id, event, context });
    }).then((result) => {
      this.record(result, Date.now() - started);
      return result;
    });
  }

  private settle(id: string, result: InvokeResult): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  private failAll(errorType: string, errorMessage: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error: { errorType, errorMessage } });
  }

  private record(result: InvokeResult, durationMs: number): void {
    const dimensions = { FunctionName: this.spec.name };
    const put = (metricName: string, value: number) => this.metrics.put({ namespace: 'AWS/Lambda', metricName, dimensions }, value);
    put('Invocations', 1);
    put('Errors', result.ok ? 0 : 1);
    put('Duration', durationMs);
    if (!result.ok) this.log.write(`${JSON.stringify({ level: 'ERROR', message: 'invocation failed', ...result.error })}\n`);
  }
}
