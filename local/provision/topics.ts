import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName, shortId } from './names';

/** SNS topics and subscriptions, only recorded: the local runtime delivers alarm notifications to the subscribed functions itself. */

export async function topic(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.TopicName ?? generatedName(stack, logicalId, 256));
  const topicArn = arn('sns', context.region, name);
  if (props.KmsMasterKeyId) context.local.topicKeys.set(topicArn, String(props.KmsMasterKeyId));
  return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
}

export async function subscription(context: ProvisionContext, { logicalId, props }: TemplateResource): Promise<ResourceValues> {
  context.local.subscriptions.push({ topicArn: String(props.TopicArn), protocol: String(props.Protocol), endpoint: String(props.Endpoint) });
  return { ref: `${props.TopicArn}:${shortId(logicalId, 36)}` };
}
