import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalFunction } from './lambda-runtime';
import { repeat, sleep, type Poller } from './poller';
import { ESM_QUEUE_ACTIONS, type EventSourceMapping, type LocalRegion, type QueuedDelivery } from './provision';
import { allowedAndReported } from './service-access';

/**
 * The pushes to Lambda that the emulators cannot make, with the deployed semantics:
 * - EventBridge rule → function and S3 notification → function are asynchronous invocations:
 *   Lambda retries a failed invocation (twice unless an EventInvokeConfig says otherwise), then
 *   sends the event to the function's dead-letter queue. Retry delays are seconds here, minutes in AWS.
 * - An SQS event source mapping polls its queue in batches; a failed batch (or the items a function
 *   reports in `batchItemFailures`) stays on the queue, comes back after the visibility timeout, and
 *   moves to the queue's own dead-letter queue after `maxReceiveCount` receives (moto's redrive).
 * Each push is authorized as AWS authorizes it (L3): EventBridge and S3 invoke a function only where
 * its Lambda permissions allow that service for that rule or bucket; EventBridge sends to a target's
 * dead-letter queue only where the queue policy allows it; Lambda polls a queue and writes to a
 * function's dead-letter queue as the function's execution role. A denied push is dropped and
 * logged — AWS drops it too (a FailedInvocations metric, a disabled event source mapping).
 */

const RETRY_DELAYS_MS = [1_000, 2_000];

const DENIED_POLL_PAUSE_MS = 1_000;

/** Long-polls one queue until stopped, handing each batch to `handle`, which returns what to delete. */
function pollQueue(sqs: SQSClient, queueUrl: string, batchSize: number, handle: (messages: Message[]) => Promise<Message[]>, onError: (error: unknown) => void, mayPoll: () => Promise<boolean> = async () => true): Poller {
  return repeat(async () => {
    if (!(await mayPoll())) {
      await sleep(DENIED_POLL_PAUSE_MS);
      return;
    }
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: batchSize,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }));
    if (Messages.length === 0) return;
    const done = await handle(Messages);
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })) }));
    }
  }, 0, onError);
}

/** Lambda's asynchronous invocation: retries, then the function's dead-letter queue. */
export async function invokeAsync(fn: LocalFunction, event: unknown, region: LocalRegion, sqs: SQSClient): Promise<boolean> {
  const retries = region.asyncRetries.get(fn.spec.name) ?? fn.spec.maximumRetryAttempts;
  let last: { errorType: string; errorMessage: string } | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(RETRY_DELAYS_MS[Math.min(attempt - 1, RETRY_DELAYS_MS.length - 1)]);
    const result = await fn.invoke(event);
    if (result.ok) return true;
    last = result.error;
  }
  const dlqUrl = fn.spec.deadLetterQueueArn ? region.queueUrls.get(fn.spec.deadLetterQueueArn) : undefined;
  if (dlqUrl && await allowedAndReported(region, `${fn.spec.name}'s dead-letter queue`, region.policies.authorize({ principal: fn.spec.roleSessionArn, action: 'sqs:SendMessage', resource: fn.spec.deadLetterQueueArn! }))) {
    await sqs.send(new SendMessageCommand({
      QueueUrl: dlqUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        ErrorCode: { DataType: 'String', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: `${last?.errorType}: ${last?.errorMessage}`.slice(0, 1000) },
      },
    }));
  }
  return false;
}

function startDelivery(delivery: QueuedDelivery, region: LocalRegion, sqs: SQSClient, onError: (error: unknown) => void): Poller {
  return pollQueue(sqs, delivery.queueUrl, 10, async (messages) => {
    const fn = region.functionByArn(delivery.functionArn);
    const deadLetterUrl = delivery.deadLetterArn ? region.queueUrls.get(delivery.deadLetterArn) : undefined;
    const mayInvoke = await allowedAndReported(region, delivery.description, region.policies.authorizeService(delivery.principal, 'lambda:InvokeFunction', delivery.functionArn, delivery.sourceArn));
    const mayDeadLetter = async () => allowedAndReported(region, `${delivery.description} (dead-letter queue)`, region.policies.authorizeService(delivery.principal, 'sqs:SendMessage', delivery.deadLetterArn!, delivery.sourceArn));
    await Promise.all(messages.map(async (message) => {
      const event = JSON.parse(message.Body ?? 'null');
      if (fn && mayInvoke) {
        await invokeAsync(fn, event, region, sqs);
      } else if (deadLetterUrl && delivery.principal === 'events.amazonaws.com' && await mayDeadLetter()) {
        // The target cannot be reached at all: EventBridge's own dead-letter queue.
        await sqs.send(new SendMessageCommand({ QueueUrl: deadLetterUrl, MessageBody: message.Body ?? '' }));
      } else if (!fn) {
        onError(new Error(`${delivery.description}: no local function ${delivery.functionArn}; event dropped`));
      }
    }));
    return messages;
  }, onError);
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
