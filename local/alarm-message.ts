import { isCompositeAlarm, type AlarmDefinition, type AlarmState, type AnyAlarmDefinition, type Dimension } from './alarm-evaluator';

/** One alarm's state change: what AlarmWatcher reports and alarmSnsMessage renders. */
export interface AlarmTransition {
  readonly alarm: AnyAlarmDefinition;
  readonly oldState: AlarmState;
  readonly newState: AlarmState;
  readonly reason: string;
  /** When the state changed, ISO 8601. */
  readonly timestamp: string;
  /** Composite alarms only: the child alarm whose change caused this one (CloudWatch's TriggeringChildren). */
  readonly triggeringChildren?: readonly TriggeringChild[];
}

export interface TriggeringChild {
  readonly arn: string;
  readonly state: AlarmState;
  /** When the child entered `state`, ISO 8601. */
  readonly timestamp: string;
}

/** The display names CloudWatch puts in a message's `Region`; other regions show their code. */
const REGION_NAMES: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'sa-east-1': 'South America (Sao Paulo)',
};

/**
 * The JSON string CloudWatch publishes to an SNS alarm action, field for field, so the notifier
 * (lambda/notifier.ts `parseAlarmChange`) reads a local alarm exactly as it reads a deployed one.
 */
export function alarmSnsMessage(transition: AlarmTransition, region: string, accountId: string): string {
  const { alarm } = transition;
  const identity = {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: accountId,
    NewStateValue: transition.newState,
    NewStateReason: transition.reason,
    StateChangeTime: cloudWatchTimestamp(transition.timestamp),
    Region: REGION_NAMES[region] ?? region,
    AlarmArn: alarmArn(region, accountId, alarm.AlarmName),
  };
  const actions = { OKActions: alarm.OKActions ?? [], AlarmActions: alarm.AlarmActions ?? [], InsufficientDataActions: alarm.InsufficientDataActions ?? [] };
  // A composite alarm's message follows CloudWatch's composite schema: no Trigger, but its rule and the children that triggered it.
  if (isCompositeAlarm(alarm)) {
    return JSON.stringify({
      ...identity,
      ...actions,
      OldStateValue: transition.oldState,
      AlarmRule: alarm.AlarmRule,
      TriggeringChildren: (transition.triggeringChildren ?? []).map((child) => ({ Arn: child.arn, State: { Value: child.state, Timestamp: cloudWatchTimestamp(child.timestamp) } })),
    });
  }
  return JSON.stringify({ ...identity, OldStateValue: transition.oldState, ...actions, Trigger: trigger(alarm) });
}

export function alarmArn(region: string, accountId: string, alarmName: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
}

/** Times as CloudWatch writes them in messages: 2024-05-01T12:00:00.000+0000. */
function cloudWatchTimestamp(iso: string): string {
  return iso.replace(/Z$/, '+0000');
}

/** CloudWatch's `Trigger`: the metric (or metric-math queries) and the rule, dimensions as {value, name}. */
function trigger(alarm: AlarmDefinition): Record<string, unknown> {
  const rule = {
    EvaluationPeriods: alarm.EvaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
    ComparisonOperator: alarm.ComparisonOperator,
    Threshold: alarm.Threshold,
    TreatMissingData: alarm.TreatMissingData ?? 'missing',
    EvaluateLowSampleCountPercentile: '',
  };
  if (alarm.Metrics) {
    return {
      ...rule,
      Metrics: alarm.Metrics.map(({ MetricStat: stat, ...query }) => (stat
        ? { ...query, MetricStat: { ...stat, Metric: { ...stat.Metric, Dimensions: snsDimensions(stat.Metric.Dimensions) } } }
        : query)),
    };
  }
  return {
    MetricName: alarm.MetricName,
    Namespace: alarm.Namespace,
    StatisticType: alarm.ExtendedStatistic ? 'ExtendedStatistic' : 'Statistic',
    Statistic: alarm.ExtendedStatistic ?? alarm.Statistic?.toUpperCase(),
    Unit: null,
    Dimensions: snsDimensions(alarm.Dimensions),
    Period: alarm.Period,
    ...rule,
  };
}

function snsDimensions(dimensions: readonly Dimension[] = []): { value: string; name: string }[] {
  return dimensions.map(({ Name, Value }) => ({ value: Value, name: Name }));
}
