import { FIREHOSE_SOURCE_ACTIONS, firehosePrefix, firehoseSessions } from './change-stream';
import type { AccessDecision } from './iam-policies';
import { ESM_QUEUE_ACTIONS, LOCAL_ACCOUNT_ID, type LocalRegion } from './provision';

/**
 * What AWS services must be allowed to do for the app's deliveries (L3), decided from the
 * templates' resource policies, Lambda permissions, key policies and roles. The local runtime asks
 * these before each delivery; `deliveryAccess` lists every delivery path of a region at once, so a
 * test can prove that the app's own templates allow every one of them.
 */

export interface DeliveryAccess {
  readonly what: string;
  readonly decision: AccessDecision;
}

const DENIED_BY_MANAGED_KEY = (key: string): AccessDecision => ({
  allowed: false,
  explicit: false,
  message: `CloudWatch cannot use the AWS managed key ${key} of the topic; encrypt it with a customer managed key whose policy allows cloudwatch.amazonaws.com`,
});

/**
 * CloudWatch publishes an alarm's notification as cloudwatch.amazonaws.com: the topic policy must
 * allow it, and for an encrypted topic the key policy must let it use the key (the AWS managed
 * aws/sns key cannot: its policy admits only callers in the account).
 */
export async function cloudWatchPublishAccess(local: LocalRegion, alarmName: string, topicArn: string): Promise<AccessDecision> {
  const alarmArn = `arn:aws:cloudwatch:${local.region}:${LOCAL_ACCOUNT_ID}:alarm:${alarmName}`;
  const key = local.topicKeys.get(topicArn);
  if (key?.startsWith('alias/aws/')) return DENIED_BY_MANAGED_KEY(key);
  const checks: [string, string][] = [['sns:Publish', topicArn], ...(key ? [['kms:GenerateDataKey', key], ['kms:Decrypt', key]] as [string, string][] : [])];
  for (const [action, resource] of checks) {
    const decision = await local.policies.authorizeService('cloudwatch.amazonaws.com', action, resource, alarmArn);
    if (!decision.allowed) return decision;
  }
  return { allowed: true };
}

/** SNS invokes a subscribed function only where the function's Lambda permission allows the topic. */
export function snsInvokeAccess(local: LocalRegion, topicArn: string, functionArn: string): Promise<AccessDecision> {
  return local.policies.authorizeService('sns.amazonaws.com', 'lambda:InvokeFunction', functionArn, topicArn);
}

/** Asks `decide` and reports a denial to the region's log; true when allowed. */
export async function allowedAndReported(local: LocalRegion, what: string, decide: Promise<AccessDecision>): Promise<boolean> {
  const decision = await decide;
  local.policies.reportDenial(what, decision);
  return decision.allowed;
}

/** Every delivery path the region's templates declare, with AWS's decision for each. */
export async function deliveryAccess(local: LocalRegion): Promise<DeliveryAccess[]> {
  const { policies } = local;
  const paths: { what: string; decide: () => Promise<AccessDecision> }[] = [];
  for (const alarm of local.alarms) {
    const topics = new Set([...(alarm.AlarmActions ?? []), ...(alarm.OKActions ?? []), ...(alarm.InsufficientDataActions ?? [])]);
    for (const topicArn of topics) paths.push({ what: `alarm ${alarm.AlarmName} → ${topicArn}`, decide: () => cloudWatchPublishAccess(local, alarm.AlarmName, topicArn) });
  }
  for (const subscription of local.subscriptions.filter((candidate) => candidate.protocol === 'lambda')) {
    paths.push({ what: `topic ${subscription.topicArn} → ${subscription.endpoint}`, decide: () => snsInvokeAccess(local, subscription.topicArn, subscription.endpoint) });
  }
  for (const delivery of [...local.ruleDeliveries, ...local.bucketDeliveries]) {
    paths.push({ what: delivery.description, decide: () => policies.authorizeService(delivery.principal, 'lambda:InvokeFunction', delivery.functionArn, delivery.sourceArn) });
    if (delivery.deadLetterArn) {
      const deadLetterArn = delivery.deadLetterArn;
      paths.push({ what: `${delivery.description} (dead-letter queue)`, decide: () => policies.authorizeService(delivery.principal, 'sqs:SendMessage', deadLetterArn, delivery.sourceArn) });
    }
  }
  for (const mapping of local.eventSourceMappings) {
    const fn = local.functionByArn(mapping.functionArn);
    if (fn) paths.push({ what: `event source ${mapping.queueArn} → ${fn.spec.name}`, decide: () => policies.authorizeAll(fn.spec.roleSessionArn, ESM_QUEUE_ACTIONS, mapping.queueArn) });
  }
  for (const fn of local.functions.values()) {
    const deadLetterArn = fn.spec.deadLetterQueueArn;
    if (deadLetterArn) paths.push({ what: `${fn.spec.name} → its dead-letter queue`, decide: () => policies.authorize({ principal: fn.spec.roleSessionArn, action: 'sqs:SendMessage', resource: deadLetterArn }) });
  }
  for (const stream of local.deliveryStreams) {
    const { reader, writer } = firehoseSessions(policies, stream);
    paths.push({ what: `delivery stream ${stream.name} reading ${stream.sourceStreamArn}`, decide: () => policies.authorizeAll(reader, FIREHOSE_SOURCE_ACTIONS, stream.sourceStreamArn) });
    paths.push({ what: `delivery stream ${stream.name} writing to ${stream.bucketName}`, decide: () => policies.authorize({ principal: writer, action: 's3:PutObject', resource: `arn:aws:s3:::${stream.bucketName}/${firehosePrefix(stream.prefix, new Date())}object` }) });
  }
  const decided: DeliveryAccess[] = [];
  for (const path of paths) decided.push({ what: path.what, decision: await path.decide() });
  return decided;
}
