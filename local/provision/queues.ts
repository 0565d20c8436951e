import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName } from './names';

/** SQS queues in the emulator: the templates' own, and the ones the local runtime delivers through. */

export async function queue(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.QueueName ?? generatedName(stack, logicalId, 80));
  const attributes: Record<string, string> = {};
  for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MaximumMessageSize', 'FifoQueue', 'ContentBasedDeduplication']) {
    if (props[key] !== undefined) attributes[key] = String(props[key]);
  }
  if (props.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
  const { QueueUrl } = await context.clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const queueArn = arn('sqs', context.region, name);
  context.local.queueUrls.set(queueArn, QueueUrl!);
  return { ref: QueueUrl!, attributes: { Arn: queueArn, QueueName: name, QueueUrl: QueueUrl! } };
}

/** A queue only the local environment uses, standing in for a push to Lambda the emulator cannot make. */
export async function deliveryQueue(context: ProvisionContext, name: string): Promise<{ url: string; arn: string }> {
  const queueName = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  const { QueueUrl } = await context.clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  const { Attributes } = await context.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}
