import { PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import type { AlarmDefinition, CompositeAlarmDefinition } from '../alarm-evaluator';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName } from './names';

/** CloudWatch alarms, kept in `alarms` for the alarm watcher, which evaluates them (moto only stores them). */

export async function alarm(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const definition = { ...props, AlarmName: String(props.AlarmName ?? generatedName(stack, logicalId, 255)) } as unknown as AlarmDefinition;
  await context.clients.cloudwatch.send(new PutMetricAlarmCommand(definition as unknown as PutMetricAlarmCommandInput));
  context.local.alarms.push(definition);
  return { ref: definition.AlarmName, attributes: { Arn: arn('cloudwatch', context.region, `alarm:${definition.AlarmName}`) } };
}

/** moto has no PutCompositeAlarm: the composite stays here, and the alarm watcher evaluates its rule and holds its state. */
export async function compositeAlarm(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const definition = { ...props, AlarmName: String(props.AlarmName ?? generatedName(stack, logicalId, 255)) } as unknown as CompositeAlarmDefinition;
  context.local.alarms.push(definition);
  return { ref: definition.AlarmName, attributes: { Arn: arn('cloudwatch', context.region, `alarm:${definition.AlarmName}`) } };
}
