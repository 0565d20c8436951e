import {
  DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { invokeAsync, startDeliveries } from '../../local/event-delivery';
import type { Poller } from '../../local/poller';
import { LocalFunction, type InvokeResult } from '../../local/lambda-runtime';
import { MetricStore } from '../../local/metric-store';
import { IamPolicies, roleArnOf } from '../../local/iam-policies';
import { emptyLocalRegion, type EventSourceMapping, type LocalRegion, type QueuedDelivery } from '../../local/provision';
import { eventually } from '../support/eventually';

const REGION = 'us-east-1';
const ACCOUNT_ID = '123456789012';
const FUNCTION_NAME = 'regionalapp-local-notifier';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${FUNCTION_NAME}`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:regionalapp-local-notifier-dlq`;
const DLQ_URL = `http://127.0.0.1:5000/${ACCOUNT_ID}/regionalapp-local-notifier-dlq`;
const SOURCE_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:regionalapp-local-clicks`;
const SOURCE_QUEUE_URL = `http://127.0.0.1:5000/${ACCOUNT_ID}/regionalapp-local-clicks`;
const EVENT = { source: 'regionalapp.clicks', 'detail-type': 'ClickCounted', detail: { count: 3 } };
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/clicks/ClickCounted`;
const ROLE_ARN = roleArnOf(ACCOUNT_ID, 'notifier-role');

/** The templates' IAM for these tests: the function's role may poll the source queue and write to its DLQ; the rule may invoke it. */
function grantingPolicies(): IamPolicies {
  const policies = new IamPolicies(ACCOUNT_ID);
  policies.addRole(ROLE_ARN, [{ PolicyName: 'default', PolicyDocument: { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: DLQ_ARN },
    { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: SOURCE_QUEUE_ARN },
  ] } }]);
  policies.addLambdaPermission(FUNCTION_ARN, { Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RULE_ARN });
  return policies;
}
const ROLE_SESSION = grantingPolicies().session(ROLE_ARN, FUNCTION_NAME).sessionArn;

const sqs = mockClient(SQSClient);

/** Stands in for the local Lambda runtime: records each event, answers with the next scripted result. */
class ScriptedFunction {
  readonly events: any[] = [];

  constructor(
    readonly spec: { name: string; maximumRetryAttempts: number; deadLetterQueueArn?: string; roleSessionArn?: string },
    private readonly answer: (attempt: number, event: any) => InvokeResult,
  ) {
    this.spec = { roleSessionArn: ROLE_SESSION, ...spec };
  }

  async invoke(event: unknown): Promise<InvokeResult> {
    this.events.push(event);
    return this.answer(this.events.length, event);
  }

  asLocalFunction(): LocalFunction {
    return this as unknown as LocalFunction;
  }
}

const failure = (attempt: number): InvokeResult => ({ ok: false, error: { errorType: 'Error', errorMessage: `attempt ${attempt} failed` } });
const THROTTLED: InvokeResult = {
  ok: false,
  throttled: true,
  error: { errorType: 'TooManyRequestsException', errorMessage: 'Rate Exceeded.', reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' },
};

/** Fails the first `failures` invocations, then succeeds. */
function failingFunction(failures: number, spec: Partial<ScriptedFunction['spec']> = {}): ScriptedFunction {
  return new ScriptedFunction(
    { name: FUNCTION_NAME, maximumRetryAttempts: 2, deadLetterQueueArn: DLQ_ARN, ...spec },
    (attempt) => (attempt <= failures ? failure(attempt) : { ok: true, payload: null }),
  );
}

function localRegion(overrides: Partial<LocalRegion> = {}): LocalRegion {
  const region = emptyLocalRegion(REGION, grantingPolicies());
  for (const [arn, url] of [[DLQ_ARN, DLQ_URL], [SOURCE_QUEUE_ARN, SOURCE_QUEUE_URL]]) region.queueUrls.set(arn, url);
  return { ...region, ...overrides };
}

/** Runs invokeAsync with its retry delays on fake timers; resolves to its result. */
async function deliver(fn: ScriptedFunction, region: LocalRegion): Promise<boolean> {
  const delivered = invokeAsync(fn.asLocalFunction(), EVENT, region, new SQSClient({ region: REGION }));
  await jest.runAllTimersAsync();
  return delivered;
}

function deadLetters() {
  return sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
}


beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dead-letter-1' });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('invokeAsync', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  test('an invocation that succeeds first time is delivered, with no dead letter', async () => {
    const fn = failingFunction(0);

    expect(await deliver(fn, localRegion())).toBe(true);
    expect(fn.events).toEqual([EVENT]);
    expect(deadLetters()).toEqual([]);
  });

  test('a function that fails twice is retried, and the third attempt delivers the event', async () => {
    const fn = failingFunction(2);

    expect(await deliver(fn, localRegion())).toBe(true);
    expect(fn.events).toEqual([EVENT, EVENT, EVENT]);
    expect(deadLetters()).toEqual([]);
  });

  test('retries wait 1 s, then 2 s', async () => {
    const fn = failingFunction(2);
    const delivered = invokeAsync(fn.asLocalFunction(), EVENT, localRegion(), new SQSClient({ region: REGION }));

    await jest.advanceTimersByTimeAsync(999);
    expect(fn.events).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn.events).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(fn.events).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn.events).toHaveLength(3);
    expect(await delivered).toBe(true);
  });

  test('a function that always fails is tried 1 + maximumRetryAttempts times, then its event goes to the dead-letter queue', async () => {
    const fn = failingFunction(Infinity);

    expect(await deliver(fn, localRegion())).toBe(false);
    expect(fn.events).toHaveLength(3);
    expect(deadLetters()).toEqual([{
      QueueUrl: DLQ_URL,
      MessageBody: JSON.stringify(EVENT),
      MessageAttributes: expect.objectContaining({ ErrorMessage: { DataType: 'String', StringValue: 'Error: attempt 3 failed' } }),
    }]);
  });

  test("the region's EventInvokeConfig retries override the function's default", async () => {
    const fn = failingFunction(Infinity, { maximumRetryAttempts: 2 });

    expect(await deliver(fn, localRegion({ asyncRetries: new Map([[FUNCTION_NAME, 0]]) }))).toBe(false);
    expect(fn.events).toHaveLength(1);
    expect(deadLetters()).toEqual([expect.objectContaining({ QueueUrl: DLQ_URL, MessageBody: JSON.stringify(EVENT) })]);
    expect(deadLetters()[0].MessageAttributes?.ErrorMessage?.StringValue).toBe('Error: attempt 1 failed');
  });

  test('a function with no dead-letter queue drops the event after its retries', async () => {
    const fn = failingFunction(Infinity, { deadLetterQueueArn: undefined, maximumRetryAttempts: 1 });

    expect(await deliver(fn, localRegion())).toBe(false);
    expect(fn.events).toHaveLength(2);
    expect(deadLetters()).toEqual([]);
  });
});

describe('invokeAsync and throttling', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  /** Throttled for the first `throttles` attempts, then answers `after`. */
  function throttledAtFirst(throttles: number, after: (attempt: number) => InvokeResult, spec: Partial<ScriptedFunction['spec']> = {}): ScriptedFunction {
    return new ScriptedFunction(
      { name: FUNCTION_NAME, maximumRetryAttempts: 2, deadLetterQueueArn: DLQ_ARN, ...spec },
      (attempt) => (attempt <= throttles ? THROTTLED : after(attempt)),
    );
  }

  test('a throttled event is retried until the function has capacity, without using up its retries, and never reaches the dead-letter queue', async () => {
    const fn = throttledAtFirst(5, () => ({ ok: true, payload: null }));

    expect(await deliver(fn, localRegion())).toBe(true);
    expect(fn.events).toHaveLength(6);
    expect(deadLetters()).toEqual([]);
  });

  test('throttle retries back off: 200 ms, doubling', async () => {
    const fn = throttledAtFirst(3, () => ({ ok: true, payload: null }));
    const delivered = invokeAsync(fn.asLocalFunction(), EVENT, localRegion(), new SQSClient({ region: REGION }));

    await jest.advanceTimersByTimeAsync(199);
    expect(fn.events).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn.events).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(399);
    expect(fn.events).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(fn.events).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(800);
    expect(fn.events).toHaveLength(4);
    expect(await delivered).toBe(true);
  });

  test('a function error after throttles still gets the normal retries, then goes to the dead-letter queue', async () => {
    const fn = throttledAtFirst(2, failure);

    expect(await deliver(fn, localRegion())).toBe(false);
    // Two throttles, then 1 + maximumRetryAttempts attempts that ran.
    expect(fn.events).toHaveLength(5);
    expect(deadLetters()).toEqual([expect.objectContaining({
      QueueUrl: DLQ_URL,
      MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: '200' }, ErrorMessage: { DataType: 'String', StringValue: 'Error: attempt 5 failed' } },
    })]);
  });

  test('an event throttled past its maximum age is discarded to the dead-letter queue', async () => {
    const fn = throttledAtFirst(Infinity, failure);
    const delivered = invokeAsync(fn.asLocalFunction(), EVENT, localRegion(), new SQSClient({ region: REGION }), { maximumEventAgeMs: 1_000 });
    await jest.runAllTimersAsync();

    expect(await delivered).toBe(false);
    // At 0, 200 and 600 ms; the next retry (at 1400 ms) would be too late.
    expect(fn.events).toHaveLength(3);
    expect(deadLetters()).toEqual([expect.objectContaining({
      MessageBody: JSON.stringify(EVENT),
      MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: '429' }, ErrorMessage: { DataType: 'String', StringValue: 'TooManyRequestsException: Rate Exceeded.' } },
    })]);
  });

  test('stopping ends the retries of a throttled event: neither delivered nor dead-lettered', async () => {
    const fn = throttledAtFirst(Infinity, failure);
    const stopping = new AbortController();
    const delivered = invokeAsync(fn.asLocalFunction(), EVENT, localRegion(), new SQSClient({ region: REGION }), { signal: stopping.signal });

    await jest.advanceTimersByTimeAsync(1_000);
    stopping.abort();

    expect(await delivered).toBe(false);
    expect(fn.events.length).toBeLessThanOrEqual(4);
    expect(deadLetters()).toEqual([]);
  });
});

describe('invokeAsync with the local Lambda runtime', () => {
  let workDir: string;
  let fn: LocalFunction | undefined;

  beforeEach(() => {
    workDir = mkdtempSync(path.join(tmpdir(), 'event-delivery-test-'));
  });
  afterEach(async () => {
    await fn?.stop();
    fn = undefined;
    rmSync(workDir, { recursive: true, force: true });
  });

  test('an event throttled while the function is at its reserved concurrency is delivered once an invocation ends', async () => {
    const codeDir = path.join(workDir, 'notifier');
    mkdirSync(codeDir);
    writeFileSync(path.join(codeDir, 'index.mjs'), 'export const handler = async (event) => { await new Promise((resolve) => setTimeout(resolve, event.sleepMs ?? 0)); return event; };\n');
    const metrics = new MetricStore();
    fn = new LocalFunction({
      name: FUNCTION_NAME, arn: FUNCTION_ARN, region: REGION, codeDir, handler: 'index.handler', environment: {}, timeoutSeconds: 3, memoryMb: 128,
      maximumRetryAttempts: 0, deadLetterQueueArn: DLQ_ARN, roleSessionArn: ROLE_SESSION, reservedConcurrency: 1,
    }, metrics, workDir);

    const busy = fn.invoke({ sleepMs: 500 });
    const delivered = await invokeAsync(fn, EVENT, localRegion(), new SQSClient({ region: REGION }));

    expect(await busy).toEqual({ ok: true, payload: { sleepMs: 500 } });
    expect(delivered).toBe(true);
    expect(deadLetters()).toEqual([]);
    const lambdaMetric = (metricName: string) => metrics.values({ namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: FUNCTION_NAME } }, 0, Infinity);
    expect(lambdaMetric('Throttles').length).toBeGreaterThanOrEqual(1);
    expect(lambdaMetric('Invocations')).toEqual([1, 1]);
  });
});

describe('startDeliveries', () => {
  let pollers: Poller[] = [];
  let errors: unknown[];

  /** The queue answers `messages` once, then long-polls empty (briefly, to keep the test fast). */
  function queueHolds(messages: Message[]): void {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages })
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve({ Messages: [] }), 20)));
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  }

  function start(region: LocalRegion): void {
    pollers = startDeliveries(region, new SQSClient({ region: REGION }), (error) => errors.push(error));
  }

  function receivedCount(): number {
    return sqs.commandCalls(ReceiveMessageCommand).length;
  }

  const deletedReceiptHandles = () => sqs.commandCalls(DeleteMessageBatchCommand)
    .map((call) => call.args[0].input.Entries?.map((entry) => entry.ReceiptHandle));

  const message = (id: string): Message => ({ MessageId: id, ReceiptHandle: `receipt-${id}`, Body: JSON.stringify({ click: id }), MD5OfBody: `md5-${id}` });
  const MESSAGES = [message('m-1'), message('m-2'), message('m-3')];

  beforeEach(() => {
    errors = [];
  });
  afterEach(async () => {
    await Promise.all(pollers.map((poller) => poller.stop()));
    pollers = [];
  });

  function regionWithMapping(fn: ScriptedFunction, mapping: Partial<EventSourceMapping> = {}): LocalRegion {
    const region = localRegion({
      eventSourceMappings: [{
        queueArn: SOURCE_QUEUE_ARN, functionArn: FUNCTION_ARN, batchSize: 10, reportBatchItemFailures: true, maximumConcurrency: 2, ...mapping,
      }],
    });
    region.functions.set(FUNCTION_ARN, fn.asLocalFunction());
    return region;
  }

  test('an SQS event source hands the batch to the function and deletes all but the items it reports as failed', async () => {
    const fn = new ScriptedFunction({ name: FUNCTION_NAME, maximumRetryAttempts: 2 }, () => ({ ok: true, payload: { batchItemFailures: [{ itemIdentifier: 'm-2' }] } }));
    queueHolds(MESSAGES);

    start(regionWithMapping(fn, { batchSize: 3 }));
    await eventually(() => deletedReceiptHandles().length > 0);

    expect(deletedReceiptHandles()).toEqual([['receipt-m-1', 'receipt-m-3']]);
    expect(fn.events).toHaveLength(1);
    expect(fn.events[0].Records).toEqual(MESSAGES.map((sent) => expect.objectContaining({
      messageId: sent.MessageId,
      receiptHandle: sent.ReceiptHandle,
      body: sent.Body,
      eventSource: 'aws:sqs',
      eventSourceARN: SOURCE_QUEUE_ARN,
      awsRegion: REGION,
    })));
    expect(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input).toEqual(expect.objectContaining({ QueueUrl: SOURCE_QUEUE_URL, MaxNumberOfMessages: 3 }));
    expect(errors).toEqual([]);
  });

  test('a failed invocation leaves the whole batch on the queue', async () => {
    const fn = new ScriptedFunction({ name: FUNCTION_NAME, maximumRetryAttempts: 2 }, failure);
    queueHolds(MESSAGES);

    start(regionWithMapping(fn));
    await eventually(() => fn.events.length === 1 && receivedCount() >= 2);

    expect(deletedReceiptHandles()).toEqual([]);
  });

  test('a throttled batch is not deleted: it comes back after the visibility timeout', async () => {
    const fn = new ScriptedFunction({ name: FUNCTION_NAME, maximumRetryAttempts: 2 }, () => THROTTLED);
    queueHolds(MESSAGES);

    start(regionWithMapping(fn));
    await eventually(() => fn.events.length === 1 && receivedCount() >= 2);

    expect(deletedReceiptHandles()).toEqual([]);
    expect(errors).toEqual([]);
  });

  test('an event source without ReportBatchItemFailures deletes the whole batch when the function succeeds', async () => {
    const fn = new ScriptedFunction({ name: FUNCTION_NAME, maximumRetryAttempts: 2 }, () => ({ ok: true, payload: { batchItemFailures: [{ itemIdentifier: 'm-2' }] } }));
    queueHolds(MESSAGES);

    start(regionWithMapping(fn, { reportBatchItemFailures: false }));
    await eventually(() => deletedReceiptHandles().length > 0);

    expect(deletedReceiptHandles()).toEqual([['receipt-m-1', 'receipt-m-2', 'receipt-m-3']]);
  });

  test('a rule delivery invokes the function asynchronously with the queued event, then deletes the message', async () => {
    const fn = failingFunction(0);
    const delivery: QueuedDelivery = { queueUrl: SOURCE_QUEUE_URL, functionArn: FUNCTION_ARN, description: `rule ClickCounted → ${FUNCTION_NAME}`, principal: 'events.amazonaws.com', sourceArn: RULE_ARN };
    const region = localRegion({ ruleDeliveries: [delivery] });
    region.functions.set(FUNCTION_ARN, fn.asLocalFunction());
    queueHolds([{ MessageId: 'e-1', ReceiptHandle: 'receipt-e-1', Body: JSON.stringify(EVENT) }]);

    start(region);
    await eventually(() => deletedReceiptHandles().length > 0);

    expect(fn.events).toEqual([EVENT]);
    expect(deletedReceiptHandles()).toEqual([['receipt-e-1']]);
    expect(errors).toEqual([]);
  });

  test('a rule whose function has no Lambda permission for it never invokes it: the event is dropped and the denial logged', async () => {
    const fn = failingFunction(0);
    const region = localRegion({ ruleDeliveries: [{ queueUrl: SOURCE_QUEUE_URL, functionArn: FUNCTION_ARN, description: 'rule Other', principal: 'events.amazonaws.com', sourceArn: `${RULE_ARN}-other` }] });
    region.functions.set(FUNCTION_ARN, fn.asLocalFunction());
    queueHolds([{ MessageId: 'e-1', ReceiptHandle: 'receipt-e-1', Body: JSON.stringify(EVENT) }]);

    start(region);
    await eventually(() => deletedReceiptHandles().length > 0);

    expect(fn.events).toEqual([]);
    expect(region.policies.denials).toEqual([`rule Other: User: events.amazonaws.com is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION_ARN} because no resource-based policy allows the lambda:InvokeFunction action`]);
  });

  test('an event source whose execution role may not receive from the queue never polls it', async () => {
    const fn = failingFunction(0, { roleSessionArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/other-role/${FUNCTION_NAME}` });
    queueHolds(MESSAGES);
    const region = regionWithMapping(fn);

    start(region);
    await eventually(() => region.policies.denials.length > 0);

    expect(receivedCount()).toBe(0);
    expect(region.policies.denials[0]).toContain('is not authorized to perform: sqs:ReceiveMessage');
  });
});
