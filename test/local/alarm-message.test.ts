import { alarmSnsMessage, type AlarmTransition } from '../../local/alarm-message';
import { formatAlarm, parseAlarmChange } from '../../lambda/notifier';
import { errorRateAlarm, failedLoginsAlarm, NAMESPACE } from './alarm-fixtures';

describe('alarmSnsMessage', () => {
  const transition: AlarmTransition = {
    alarm: failedLoginsAlarm,
    oldState: 'OK',
    newState: 'ALARM',
    reason: 'Threshold Crossed: 1 out of the last 1 datapoint [5.0 (01/05/24 11:55:00)] was greater than or equal to the threshold (5.0).',
    timestamp: '2024-05-01T12:00:00.000Z',
  };

  test('is a CloudWatch alarm message the Slack notifier reads back', () => {
    const message = alarmSnsMessage(transition, 'us-east-1', '111122223333');

    const change = parseAlarmChange(message, 'us-west-2');
    expect(change).toEqual({
      name: failedLoginsAlarm.AlarmName,
      description: failedLoginsAlarm.AlarmDescription,
      state: 'ALARM',
      previousState: 'OK',
      reason: transition.reason,
      changedAt: '2024-05-01T12:00:00.000+0000',
      region: 'us-east-1',
    });
    expect(formatAlarm(change!).text).toContain(`ALARM — ${failedLoginsAlarm.AlarmName} (us-east-1)`);
  });

  test('carries CloudWatch\'s fields: display region, ARN, actions and the trigger', () => {
    const message = JSON.parse(alarmSnsMessage(transition, 'us-west-2', '111122223333'));

    expect(message).toMatchObject({
      AWSAccountId: '111122223333',
      Region: 'US West (Oregon)',
      AlarmArn: `arn:aws:cloudwatch:us-west-2:111122223333:alarm:${failedLoginsAlarm.AlarmName}`,
      AlarmActions: failedLoginsAlarm.AlarmActions,
      OKActions: failedLoginsAlarm.OKActions,
      InsufficientDataActions: [],
      Trigger: {
        MetricName: 'FailedLogins',
        Namespace: NAMESPACE,
        StatisticType: 'Statistic',
        Statistic: 'SUM',
        Unit: null,
        Dimensions: [{ value: 'login', name: 'service' }],
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 5,
        TreatMissingData: 'notBreaching',
      },
    });
    expect(JSON.parse(alarmSnsMessage(transition, 'xx-test-1', '111122223333')).Region).toBe('xx-test-1');
  });

  test('a metric-math alarm\'s trigger lists its queries with CloudWatch\'s dimension shape', () => {
    const { Trigger: trigger } = JSON.parse(alarmSnsMessage({ ...transition, alarm: errorRateAlarm }, 'us-east-1', '111122223333'));

    expect(trigger.MetricName).toBeUndefined();
    expect(trigger.Metrics[0]).toEqual(errorRateAlarm.Metrics![0]);
    expect(trigger.Metrics[2].MetricStat.Metric.Dimensions).toEqual([{ value: 'login', name: 'FunctionName' }]);
  });
});
