import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { InvokeError, LocalFunction } from './lambda-runtime';
import { repeat, sleep, type Poller } from './poller';
import { ESM_QUEUE_ACTIONS, type EventSourceMapping, type LocalRegion, type QueuedDelivery } from './provision';
import { allowedAndReported } from './service-access';

/**
 * The pushes to Lambda that the emulators cannot make, with the deployed semantics:
 * - EventBridge rule → function and S3 notification → function are asynchronous invocations:
 *   Lambda retries a failed invocation (twice unless an EventInvokeConfig says otherwise), then
 *   sends the event to the function's dead-letter queue. Retry delays are seconds here, minutes in AWS.
 *   A throttled invocation (the function is at its concurrency) goes back to Lambda's queue and is
 *   retried with a growing backoff until the event's maximum age (6 h unless told otherwise), without
 *   using up those retries (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html);
 *   the backoff is 200 ms doubling to 5 s here, 1 s doubling to 5 min in AWS.
 * - An SQS event source mapping polls its queue in batches; a failed or throttled batch (or the items
 *   a function reports in `batchItemFailures`) stays on the queue, comes back after the visibility
 *   timeout, and moves to the queue's own dead-letter queue after `maxReceiveCount` receives (moto's redrive).
 * Each push is authorized as AWS authorizes it (L3): EventBridge and S3 invoke a function only where
 * its Lambda permissions allow that service for that rule or bucket; EventBridge sends to a target's
 * dead-letter queue only where the queue policy allows it; Lambda polls a queue and writes to a
 * function's dead-letter queue as the function's execution role. A denied push is dropped and
 * logged — AWS drops it too (a FailedInvocations metric, a disabled event source mapping).
 */

const RETRY_DELAYS_MS = [1_000, 2_000];

/** A throttled asynchronous event's retries: 200 ms, doubling, at most 5 s apart (AWS: 1 s to 5 min). */
const THROTTLE_RETRY_FIRST_MS = 200;
const THROTTLE_RETRY_MAX_MS = 5_000;

/** MaximumEventAgeInSeconds' default, 6 hours: how long Lambda keeps retrying a throttled event. */
const DEFAULT_MAXIMUM_EVENT_AGE_MS = 6 * 60 * 60 * 1000;

export interface AsyncInvokeOptions {
  /** How long the event may stay in Lambda's queue; an event too old for its next retry is discarded (to the dead-letter queue). */
  readonly maximumEventAgeMs?: number;
  /** Aborted when the local environment stops: retries end, and the event is neither delivered nor dead-lettered. */
  readonly signal?: AbortSignal;
}

/** Waits `ms`; false (at once) when `signal` aborts first. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const DENIED_POLL_PAUSE_MS = 1_000;

/**
 * How long each ReceiveMessage waits for a message: the longest SQS allows, as Lambda's pollers
 * use. A message wakes the wait at once, so this costs no latency; it spares moto a request per
 * second per queue while the queue is idle. Stopping aborts the wait.
 */
const LONG_POLL_SECONDS = 20;

/** Long-polls one queue until stopped, handing each batch to `handle`, which returns what to delete. */
function pollQueue(sqs: SQSClient, queueUrl: string, batchSize: number, handle: (messages: Message[]) => Promise<Message[]>, onError: (error: unknown) => void, mayPoll: () => Promise<boolean> = async () => true): Poller {
  const stopping = new AbortController();
  const poller = repeat(async () => {
    if (!(await mayPoll())) {
      await sleep(DENIED_POLL_PAUSE_MS);
      return;
    }
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: batchSize,
      WaitTimeSeconds: LONG_POLL_SECONDS,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }), { abortSignal: stopping.signal });
    if (Messages.length === 0) return;
    const done = await handle(Messages);
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }));
    }
  }, 0, onError);
  return {
    stop: async () => {
      const stopped = poller.stop();
      stopping.abort();
      await stopped;
    },
  };
}

/**
 * Lambda's asynchronous invocation: retries after function errors, then the function's dead-letter
 * queue; throttles are retried with backoff until the maximum event age, not counted as retries.
 * Resolves to whether the function processed the event.
 */
export async function invokeAsync(fn: LocalFunction, event: unknown, region: LocalRegion, sqs: SQSClient, options: AsyncInvokeOptions = {}): Promise<boolean> {
  const retries = region.asyncRetries.get(fn.spec.name) ?? fn.spec.maximumRetryAttempts;
  const maximumEventAgeMs = options.maximumEventAgeMs ?? DEFAULT_MAXIMUM_EVENT_AGE_MS;
  const queuedAt = Date.now();
  let functionErrors = 0;
  let throttleDelayMs = THROTTLE_RETRY_FIRST_MS;
  let last: InvokeError | undefined;
  for (;;) {
    const result = await fn.invoke(event);
    if (result.ok) return true;
    last = result.error;
    let delayMs: number;
    if (result.throttled) {
      delayMs = throttleDelayMs;
      throttleDelayMs = Math.min(throttleDelayMs * 2, THROTTLE_RETRY_MAX_MS);
    } else {
      functionErrors += 1;
      if (functionErrors > retries) break;
      delayMs = RETRY_DELAYS_MS[Math.min(functionErrors - 1, RETRY_DELAYS_MS.length - 1)];
    }
    if (Date.now() - queuedAt + delayMs > maximumEventAgeMs) break;
    if (!(await pause(delayMs, options.signal)) || fn.stopped) return false;
  }
  const throttled = last?.errorType === 'TooManyRequestsException';
  const dlqUrl = fn.spec.deadLetterQueueArn ? region.queueUrls.get(fn.spec.deadLetterQueueArn) : undefined;
  if (dlqUrl && await allowedAndReported(region, `${fn.spec.name}'s dead-letter queue`, region.policies.authorize({ principal: fn.spec.roleSessionArn, action: 'sqs:SendMessage', resource: fn.spec.deadLetterQueueArn! }))) {
    await sqs.send(new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        // The invocation's status code: 200 for a function error, 429 for an event that aged out throttled.
        ErrorCode: { DataType: 'String', StringValue: throttled ? '429' : '200' },
        ErrorMessage: { DataType: 'String', StringValue: `${last?.errorType}: ${last?.errorMessage}`.slice(0, 1000) },
      },
    }));
  }
  return false;
}

function startDelivery(delivery: QueuedDelivery, region: LocalRegion, sqs: SQSClient, onError: (error: unknown) => void): Poller {
  // Stopping ends the throttle retries of events in flight, so stop() does not wait for them.
  const stopping = new AbortController();
  const poller = pollQueue(sqs, delivery.queueUrl, 10, async (messages) => {
    const fn = region.functionByArn(delivery.functionArn);
    const deadLetterUrl = delivery.deadLetterArn ? region.queueUrls.get(delivery.deadLetterArn) : undefined;
    const mayInvoke = await allowedAndReported(region, delivery.description, region.policies.authorizeService(delivery.principal, 'lambda:InvokeFunction', delivery.functionArn, delivery.sourceArn));
    const mayDeadLetter = async () => allowedAndReported(region, `${delivery.description} (dead-letter queue)`, region.policies.authorizeService(delivery.principal, 'sqs:SendMessage', delivery.deadLetterArn!, delivery.sourceArn));
    await Promise.all(messages.map(async (message) => {
      const event = JSON.parse(message.Body ?? 'null');
      if (fn && mayInvoke) {
        await invokeAsync(fn, event, region, sqs, { signal: stopping.signal });
      } else if (deadLetterUrl && delivery.principal === 'events.amazonaws.com' && await mayDeadLetter()) {
        // The target cannot be reached at all: EventBridge's own dead-letter queue.
        await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterUrl, MessageBody: message.Body ?? '' }));
      } else if (!fn) {
        onError(new Error(`${delivery.description}: no local function ${delivery.functionArn}; event dropped`));
      }
    }));
    return messages;
  }, onError);
  return {
    stop: async () => {
      stopping.abort();
      await poller.stop();
    },
  };
}

function sqsRecord(message: Message, queueArn: string, region: string) {
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: message.Attributes ?? {},
    messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, {
      stringValue: value.StringValue, binaryValue: value.BinaryValue, stringListValues: [], binaryListValues: [], dataType: value.DataType,
    }])),
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function startEventSource(mapping: EventSourceMapping, region: LocalRegion, sqs: SQSClient, onError: (error: unknown) => void): Poller {
  const queueUrl = region.queueUrls.get(mapping.queueArn);
  if (!queueUrl) throw new Error(`event source ${mapping.queueArn} is not a local queue`);
  return pollQueue(sqs, queueUrl, mapping.batchSize, async (messages) => {
    const fn = region.functionByArn(mapping.functionArn);
    if (!fn) return [];
    const result = await fn.invoke({ Records: messages.map((message) => sqsRecord(message, mapping.queueArn, region.region)) });
    // A function error or a throttle: nothing is deleted, and the batch comes back after the visibility
    // timeout (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html, ".../operatorguide/sqs-retries.html").
    if (!result.ok) return [];
    if (!mapping.reportBatchItemFailures) return messages;
    const failures = (result.payload as { batchItemFailures?: { itemIdentifier?: string }[] } | null)?.batchItemFailures ?? [];
    const failed = new Set(failures.map((failure) => failure.itemIdentifier));
    return messages.filter((message) => !failed.has(message.MessageId));
  }, onError, async () => {
    const fn = region.functionByArn(mapping.functionArn);
    return !fn || allowedAndReported(region, `event source ${mapping.queueArn.split(':').pop()} → ${fn.spec.name}`, region.policies.authorizeAll(fn.spec.roleSessionArn, ESM_QUEUE_ACTIONS, mapping.queueArn));
  });
}

/** Starts every push the region's templates declare; stop() ends them all. */
export function startDeliveries(region: LocalRegion, sqs: SQSClient, onError: (error: unknown) => void): Poller[] {
  return [
    ...[...region.ruleDeliveries, ...region.bucketDeliveries].map((delivery) => startDelivery(delivery, region, sqs, onError)),
    ...region.eventSourceMappings.map((mapping) => startEventSource(mapping, region, sqs, onError)),
  ];
}
