import type { AlarmDefinition, CompositeAlarmDefinition } from '../../local/alarm-evaluator';
import type { MetricKey, MetricStore } from '../../local/metric-store';

/** Shared by the alarm tests: the app's alarms and helpers that record their metrics. */

export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const MINUTE = 60_000;
export const PERIOD_MS = 300_000;
export const NAMESPACE = 'regionalapp-test';

/** The app's failed-logins alarm as the local environment reads it from the synthesized template. */
export const failedLoginsAlarm: AlarmDefinition = {
  AlarmName: 'regionalapp-test-failed-logins-us-east-1',
  AlarmDescription: 'At least 5 failed logins in 5 minutes in us-east-1',
  Namespace: NAMESPACE,
  MetricName: 'FailedLogins',
  Dimensions: [{ Name: 'service', Value: 'login' }],
  Statistic: 'Sum',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 5,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
  AlarmActions: ['arn:aws:sns:us-east-1:111122223333:regionalapp-test-alarms-us-east-1'],
  OKActions: ['arn:aws:sns:us-east-1:111122223333:regionalapp-test-alarms-us-east-1'],
};
export const failedLogins: MetricKey = { namespace: NAMESPACE, metricName: 'FailedLogins', dimensions: { service: 'login' } };

/** The app's click-DLQ alarm: three periods in a row with a message waiting. */
export const clickDlqAlarm: AlarmDefinition = {
  AlarmName: 'regionalapp-test-click-dlq-not-empty-us-east-1',
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: 'regionalapp-test-click-dlq-us-east-1' }],
  Statistic: 'Maximum',
  Period: 300,
  EvaluationPeriods: 3,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};
export const dlqMessages: MetricKey = { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'regionalapp-test-click-dlq-us-east-1' } };

export function lambdaStat(id: string, metricName: string, functionName: string) {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: functionName }] }, Period: 300, Stat: 'Sum' },
    ReturnData: false,
  };
}

/** A metric-math alarm over two functions' summed metrics, with nested expressions (the shape of the app's first error-rate alarm). */
export const errorRateAlarm: AlarmDefinition = {
  AlarmName: 'regionalapp-test-error-rate-us-east-1',
  AlarmDescription: 'Lambda errors above 5% of invocations in us-east-1',
  ComparisonOperator: 'GreaterThanThreshold',
  EvaluationPeriods: 1,
  Threshold: 5,
  TreatMissingData: 'notBreaching',
  Metrics: [
    { Id: 'expr_1', Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', Label: 'Lambda error rate (%)', ReturnData: true },
    { Id: 'errors', Expression: 'e0 + e1', ReturnData: false },
    lambdaStat('e0', 'Errors', 'login'),
    lambdaStat('e1', 'Errors', 'click'),
    { Id: 'invocations', Expression: 'i0 + i1', ReturnData: false },
    lambdaStat('i0', 'Invocations', 'login'),
    lambdaStat('i1', 'Invocations', 'click'),
  ],
};

export function lambdaKey(metricName: string, functionName: string): MetricKey {
  return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } };
}

export const ALARM_TOPIC = 'arn:aws:sns:us-east-1:111122223333:regionalapp-test-alarms-us-east-1';
export const arnOf = (alarmName: string) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${alarmName}`;

/** One function's error-rate alarm, as the app synthesizes it: that function's two metrics and the rate, no actions. */
function functionErrorRateAlarm(functionName: string): AlarmDefinition {
  return {
    AlarmName: `regionalapp-test-error-rate-${functionName}-us-east-1`,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    Threshold: 5,
    TreatMissingData: 'notBreaching',
    Metrics: [
      { Id: 'expr_1', Expression: 'IF(FILL(invocations, 0) > 0, 100 * FILL(errors, 0) / FILL(invocations, 0), 0)', Label: `${functionName} error rate (%)`, ReturnData: true },
      lambdaStat('errors', 'Errors', functionName),
      lambdaStat('invocations', 'Invocations', functionName),
    ],
  };
}
export const loginErrors = functionErrorRateAlarm('login');
export const clickErrors = functionErrorRateAlarm('click');

/** The app's error-rate composite alarm, its rule as CDK renders AlarmRule.anyOf (the ARNs resolved). */
export const errorRateComposite: CompositeAlarmDefinition = {
  AlarmName: 'regionalapp-test-error-rate-us-east-1',
  AlarmDescription: 'A Lambda function\'s errors are above 5% of its invocations in us-east-1',
  AlarmRule: `(ALARM("${arnOf(loginErrors.AlarmName)}") OR ALARM("${arnOf(clickErrors.AlarmName)}"))`,
  AlarmActions: [ALARM_TOPIC],
  OKActions: [ALARM_TOPIC],
};

/** `total` invocations of a function, `failed` of them errors, one a second ending just before `endMs`. */
export function invocations(store: MetricStore, functionName: string, total: number, failed: number, endMs = T0): void {
  putMany(store, lambdaKey('Invocations', functionName), total, endMs);
  putMany(store, lambdaKey('Errors', functionName), total - failed, endMs, 0);
  putMany(store, lambdaKey('Errors', functionName), failed, endMs);
}

/** `count` datapoints of `value`, one a second ending just before `endMs`. */
export function putMany(store: MetricStore, key: MetricKey, count: number, endMs: number, value = 1): void {
  for (let i = 0; i < count; i++) store.put(key, value, endMs - (i + 1) * 1000);
}
