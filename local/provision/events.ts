import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { generatedName } from './names';
import { deliveryQueue } from './queues';

/** EventBridge buses and rules, in the emulator. */

export async function eventBus(context: ProvisionContext, { props }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.Name);
  const { EventBusArn } = await context.clients.events.send(new CreateEventBusCommand({ Name: name }));
  return { ref: name, attributes: { Arn: EventBusArn!, Name: name } };
}

/** A rule's Lambda targets become rule → local queue → function (moto cannot invoke Lambda); other targets stay. */
export async function rule(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.Name ?? generatedName(stack, logicalId, 64));
  const busName = props.EventBusName ? String(props.EventBusName) : undefined;
  const { RuleArn } = await context.clients.events.send(new PutRuleCommand({
    Name: name,
    EventBusName: busName,
    EventPattern: props.EventPattern ? JSON.stringify(props.EventPattern) : undefined,
    ScheduleExpression: props.ScheduleExpression as string | undefined,
    State: (props.State as never) ?? 'ENABLED',
    Description: props.Description as string | undefined,
  }));
  const targets = (props.Targets as { Id: string; Arn: string; DeadLetterConfig?: { Arn?: string } }[] | undefined) ?? [];
  const emulatorTargets = [];
  for (const target of targets) {
    if (target.Arn.includes(':lambda:')) {
      const queue = await deliveryQueue(context, `local-${name}-${target.Id}`);
      context.local.ruleDeliveries.push({
        queueUrl: queue.url,
        functionArn: target.Arn,
        description: `rule ${name} → ${target.Arn.split(':').pop()}`,
        deadLetterArn: target.DeadLetterConfig?.Arn,
        principal: 'events.amazonaws.com',
        sourceArn: RuleArn!,
      });
      emulatorTargets.push({ Id: target.Id, Arn: queue.arn });
    } else {
      emulatorTargets.push({ Id: target.Id, Arn: target.Arn });
    }
  }
  if (emulatorTargets.length > 0) await context.clients.events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: emulatorTargets }));
  return { ref: busName ? `${busName}|${name}` : name, attributes: { Arn: RuleArn! } };
}
