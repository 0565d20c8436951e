import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AlarmWatcher, alarmSnsMessage, compileAlarmRule, evaluateAlarm, evaluateAlarmRule,
  type AlarmDefinition, type AlarmState, type AlarmTransition, type AnyAlarmDefinition, type CompositeAlarmDefinition,
} from '../../local/alarm-evaluator';
import { MetricStore, type MetricKey } from '../../local/metric-store';
import { formatAlarm, parseAlarmChange } from '../../lambda/notifier';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const MINUTE = 60_000;
const PERIOD_MS = 300_000;
const NAMESPACE = 'regionalapp-test';

/** The app's failed-logins alarm as the local environment reads it from the synthesized template. */
const failedLoginsAlarm: AlarmDefinition = {
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
const failedLogins: MetricKey = { namespace: NAMESPACE, metricName: 'FailedLogins', dimensions: { service: 'login' } };

/** The app's click-DLQ alarm: three periods in a row with a message waiting. */
const clickDlqAlarm: AlarmDefinition = {
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
const dlqMessages: MetricKey = { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'regionalapp-test-click-dlq-us-east-1' } };

function lambdaStat(id: string, metricName: string, functionName: string) {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: metricName, Dimensions: [{ Name: 'FunctionName', Value: functionName }] }, Period: 300, Stat: 'Sum' },
    ReturnData: false,
  };
}

/** A metric-math alarm over two functions' summed metrics, with nested expressions (the shape of the app's first error-rate alarm). */
const errorRateAlarm: AlarmDefinition = {
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

function lambdaKey(metricName: string, functionName: string): MetricKey {
  return { namespace: 'AWS/Lambda', metricName, dimensions: { FunctionName: functionName } };
}

const ALARM_TOPIC = 'arn:aws:sns:us-east-1:111122223333:regionalapp-test-alarms-us-east-1';
const arnOf = (alarmName: string) => `arn:aws:cloudwatch:us-east-1:111122223333:alarm:${alarmName}`;

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
const loginErrors = functionErrorRateAlarm('login');
const clickErrors = functionErrorRateAlarm('click');

/** The app's error-rate composite alarm, its rule as CDK renders AlarmRule.anyOf (the ARNs resolved). */
const errorRateComposite: CompositeAlarmDefinition = {
  AlarmName: 'regionalapp-test-error-rate-us-east-1',
  AlarmDescription: 'A Lambda function\'s errors are above 5% of its invocations in us-east-1',
  AlarmRule: `(ALARM("${arnOf(loginErrors.AlarmName)}") OR ALARM("${arnOf(clickErrors.AlarmName)}"))`,
  AlarmActions: [ALARM_TOPIC],
  OKActions: [ALARM_TOPIC],
};

/** `total` invocations of a function, `failed` of them errors, one a second ending just before `endMs`. */
function invocations(store: MetricStore, functionName: string, total: number, failed: number, endMs = T0): void {
  putMany(store, lambdaKey('Invocations', functionName), total, endMs);
  putMany(store, lambdaKey('Errors', functionName), total - failed, endMs, 0);
  putMany(store, lambdaKey('Errors', functionName), failed, endMs);
}

/** `count` datapoints of `value`, one a second ending just before `endMs`. */
function putMany(store: MetricStore, key: MetricKey, count: number, endMs: number, value = 1): void {
  for (let i = 0; i < count; i++) store.put(key, value, endMs - (i + 1) * 1000);
}

describe('evaluateAlarm', () => {
  test('failed logins: OK below 5, ALARM at 5 in the window, OK again once they age out', () => {
    const store = new MetricStore();
    putMany(store, failedLogins, 4, T0);

    const four = evaluateAlarm(failedLoginsAlarm, store, T0, 'OK');
    expect(four).toMatchObject({ state: 'OK', value: 4 });

    store.put(failedLogins, 1, T0 - 5 * MINUTE);
    const five = evaluateAlarm(failedLoginsAlarm, store, T0, 'OK');
    expect(five).toMatchObject({ state: 'ALARM', value: 5 });
    expect(five.reason).toBe('Threshold Crossed: 1 out of the last 1 datapoint [5.0 (01/05/24 11:55:00)] was greater than or equal to the threshold (5.0) (minimum 1 for ALARM).');

    // The oldest login leaves the window a millisecond later.
    expect(evaluateAlarm(failedLoginsAlarm, store, T0 + 1, 'ALARM')).toMatchObject({ state: 'OK', value: 4 });

    const later = evaluateAlarm(failedLoginsAlarm, store, T0 + PERIOD_MS, 'ALARM');
    expect(later.state).toBe('OK');
    expect(later.value).toBeUndefined();
    expect(later.reason).toContain('1 missing datapoint counted as not breaching');
  });

  test('EvaluationPeriods 3 needs three breaching periods in a row', () => {
    const store = new MetricStore();
    store.put(dlqMessages, 2, T0 - 1 * MINUTE);
    store.put(dlqMessages, 1, T0 - 6 * MINUTE);
    expect(evaluateAlarm(clickDlqAlarm, store, T0, 'OK')).toMatchObject({ state: 'OK', recentDatapoints: [2, 1] });

    store.put(dlqMessages, 0, T0 - 11 * MINUTE);
    expect(evaluateAlarm(clickDlqAlarm, store, T0, 'OK').state).toBe('OK');

    store.put(dlqMessages, 3, T0 - 12 * MINUTE);
    const alarm = evaluateAlarm(clickDlqAlarm, store, T0, 'OK');
    expect(alarm).toMatchObject({ state: 'ALARM', value: 2, recentDatapoints: [2, 1, 3] });
    expect(alarm.reason).toContain('3 out of the last 3 datapoints [2.0 (01/05/24 11:55:00), 1.0 (01/05/24 11:50:00), 3.0 (01/05/24 11:45:00)] were greater than or equal to the threshold (1.0)');
  });

  test('DatapointsToAlarm 2 of 3 alarms on two breaching periods', () => {
    const store = new MetricStore();
    store.put(dlqMessages, 2, T0 - 1 * MINUTE);
    store.put(dlqMessages, 2, T0 - 11 * MINUTE);

    expect(evaluateAlarm({ ...clickDlqAlarm, DatapointsToAlarm: 2 }, store, T0, 'OK').state).toBe('ALARM');
    expect(evaluateAlarm({ ...clickDlqAlarm, DatapointsToAlarm: 3 }, store, T0, 'OK').state).toBe('OK');
  });

  test.each([
    ['missing', 'OK', 'INSUFFICIENT_DATA', /Insufficient Data: no datapoints were received for the last 3 periods of 300 seconds/],
    [undefined, 'ALARM', 'INSUFFICIENT_DATA', /Insufficient Data/],
    ['ignore', 'ALARM', 'ALARM', /stays ALARM/],
    ['ignore', 'OK', 'OK', /stays OK/],
    ['breaching', 'OK', 'ALARM', /3 missing datapoints counted as breaching/],
    ['notBreaching', 'ALARM', 'OK', /3 missing datapoints counted as not breaching/],
  ])('with no data at all, TreatMissingData %s in state %s gives %s', (treatMissingData, currentState, expected, reason) => {
    const evaluation = evaluateAlarm({ ...clickDlqAlarm, TreatMissingData: treatMissingData }, new MetricStore(), T0, currentState as AlarmState);

    expect(evaluation.state).toBe(expected);
    expect(evaluation.reason).toMatch(reason);
  });

  test('with some periods missing, missing and ignore judge the periods that have data', () => {
    const store = new MetricStore();
    store.put(dlqMessages, 4, T0 - 6 * MINUTE);
    const oneOfThree = { ...clickDlqAlarm, DatapointsToAlarm: 1 };

    expect(evaluateAlarm({ ...oneOfThree, TreatMissingData: 'missing' }, store, T0, 'INSUFFICIENT_DATA').state).toBe('ALARM');
    expect(evaluateAlarm({ ...oneOfThree, TreatMissingData: 'ignore' }, store, T0, 'OK').state).toBe('ALARM');
    expect(evaluateAlarm({ ...clickDlqAlarm, TreatMissingData: 'missing' }, store, T0, 'ALARM').state).toBe('OK');
    expect(evaluateAlarm({ ...clickDlqAlarm, TreatMissingData: 'breaching' }, store, T0, 'OK').state).toBe('ALARM');
  });

  test.each([
    [{ Statistic: 'Sum' }, 55],
    [{ Statistic: 'Average' }, 5.5],
    [{ Statistic: 'Minimum' }, 1],
    [{ Statistic: 'Maximum' }, 10],
    [{ Statistic: 'SampleCount' }, 10],
    [{ ExtendedStatistic: 'p90' }, 9],
    [{ ExtendedStatistic: 'p50' }, 5],
    [{ ExtendedStatistic: 'p99.9' }, 10],
  ])('statistic %j of 1..10 is %d', (statistic, expected) => {
    const store = new MetricStore();
    for (let value = 1; value <= 10; value++) store.put(failedLogins, value, T0 - value * 1000);

    expect(evaluateAlarm({ ...failedLoginsAlarm, Statistic: undefined, ...statistic }, store, T0, 'OK').value).toBe(expected);
  });

  test.each([
    ['GreaterThanThreshold', 5, 'OK'],
    ['GreaterThanThreshold', 6, 'ALARM'],
    ['LessThanThreshold', 5, 'OK'],
    ['LessThanThreshold', 4, 'ALARM'],
    ['LessThanOrEqualToThreshold', 5, 'ALARM'],
    ['LessThanOrEqualToThreshold', 6, 'OK'],
  ])('%s with a sum of %d against 5 is %s', (comparisonOperator, sum, expected) => {
    const store = new MetricStore();
    store.put(failedLogins, sum, T0 - 1000);

    expect(evaluateAlarm({ ...failedLoginsAlarm, ComparisonOperator: comparisonOperator }, store, T0, 'OK').state).toBe(expected);
  });

  describe('metric math: summed error rates, and one function\'s', () => {

    test('is the percentage of all functions\' invocations that failed', () => {
      const store = new MetricStore();
      invocations(store, 'login', 12, 1);
      invocations(store, 'click', 8, 0);

      expect(evaluateAlarm(errorRateAlarm, store, T0, 'OK')).toMatchObject({ state: 'OK', value: 5 });

      invocations(store, 'click', 1, 1);
      const alarm = evaluateAlarm(errorRateAlarm, store, T0, 'OK');
      expect(alarm.state).toBe('ALARM');
      expect(alarm.value).toBeCloseTo(100 * 2 / 21);
      expect(alarm.reason).toContain('was greater than the threshold (5.0)');
    });

    test('one function\'s alarm: a run without Errors datapoints is 0%, no invocations at all is 0% too (OK)', () => {
      const store = new MetricStore();
      putMany(store, lambdaKey('Invocations', 'login'), 10, T0);
      expect(evaluateAlarm(loginErrors, store, T0, 'ALARM')).toMatchObject({ state: 'OK', value: 0 });

      invocations(store, 'login', 10, 2);
      expect(evaluateAlarm(loginErrors, store, T0, 'OK')).toMatchObject({ state: 'ALARM', value: 10 });

      expect(evaluateAlarm(loginErrors, new MetricStore(), T0, 'ALARM')).toMatchObject({ state: 'OK', value: 0 });
    });

    test('a period without invocations has no error rate, which notBreaching counts as OK', () => {
      const evaluation = evaluateAlarm(errorRateAlarm, new MetricStore(), T0, 'ALARM');

      expect(evaluation).toMatchObject({ state: 'OK', value: undefined });
    });

    test('the only expression is the alarm\'s value when no query says ReturnData', () => {
      const store = new MetricStore();
      invocations(store, 'login', 10, 0);
      const alarm: AlarmDefinition = {
        ...errorRateAlarm,
        Threshold: 9,
        Metrics: [{ Id: 'total', Expression: 'i0 * 1' }, { ...lambdaStat('i0', 'Invocations', 'login'), ReturnData: undefined }],
      };

      expect(evaluateAlarm(alarm, store, T0, 'OK')).toMatchObject({ state: 'ALARM', value: 10 });
    });

    test.each([
      ['a cycle of expressions', [{ Id: 'a', Expression: 'b + 1', ReturnData: true }, { Id: 'b', Expression: 'c * 2' }, { Id: 'c', Expression: 'a' }], /cycle: a → b → c → a/],
      ['an expression reading itself', [{ Id: 'a', Expression: 'a + 1', ReturnData: true }], /cycle: a → a/],
      ['an unknown id', [{ Id: 'rate', Expression: 'errors / invocatons', ReturnData: true }, { Id: 'errors', Expression: '1' }, { Id: 'invocations', Expression: '2' }], /rate .* unknown id\(s\) invocatons; its query ids are rate, errors, invocations/],
      ['two returned queries', [{ Id: 'a', Expression: '1', ReturnData: true }, { Id: 'b', Expression: '2', ReturnData: true }], /exactly one of its Metrics must have ReturnData true, but 2 do/],
      ['a duplicate id', [{ Id: 'a', Expression: '1', ReturnData: true }, { Id: 'a', Expression: '2' }], /two of its Metrics have the Id a/],
      ['different periods', [{ Id: 'a', Expression: 'm0 + m1', ReturnData: true }, lambdaStat('m0', 'Errors', 'login'), { ...lambdaStat('m1', 'Errors', 'click'), MetricStat: { ...lambdaStat('m1', 'Errors', 'click').MetricStat, Period: 60 } }], /share one Period, but have 300, 60/],
    ])('%s is an error naming the alarm', (_, metrics, problem) => {
      const alarm = { ...errorRateAlarm, Metrics: [...metrics, lambdaStat('unused', 'Errors', 'login')] };

      expect(() => evaluateAlarm(alarm, new MetricStore(), T0, 'OK')).toThrow(problem);
      expect(() => evaluateAlarm(alarm, new MetricStore(), T0, 'OK')).toThrow(`Alarm "${errorRateAlarm.AlarmName}"`);
    });
  });

  test.each([
    [{ Statistic: 'TrimmedMean' }, /statistic TrimmedMean is not supported locally/],
    [{ ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' }, /ComparisonOperator LessThanLowerOrGreaterThanUpperThreshold is not supported locally/],
    [{ Threshold: undefined }, /no Threshold/],
    [{ TreatMissingData: 'sometimes' }, /TreatMissingData sometimes is not one of/],
    [{ EvaluationPeriods: 0 }, /EvaluationPeriods must be a whole number of at least 1/],
  ])('an alarm with %j is an error naming it', (change, problem) => {
    expect(() => evaluateAlarm({ ...failedLoginsAlarm, ...change }, new MetricStore(), T0, 'OK')).toThrow(problem);
  });
});

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

describe('AlarmWatcher', () => {
  const cloudwatchMock = mockClient(CloudWatchClient);
  const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
  let consoleError: jest.SpyInstance;

  /** The alarms as moto_server holds them: DescribeAlarms reads and SetAlarmState writes these states. */
  function emulator(initial: Record<string, AlarmState>) {
    const states = new Map(Object.entries(initial));
    const reasons = new Map<string, string>();
    cloudwatchMock.on(DescribeAlarmsCommand).callsFake(({ AlarmNames: names = [] }) => ({
      MetricAlarms: names.filter((name: string) => states.has(name)).map((name: string) => ({ AlarmName: name, StateValue: states.get(name), StateReason: reasons.get(name) })),
    }));
    cloudwatchMock.on(SetAlarmStateCommand).callsFake(({ AlarmName: name, StateValue: state, StateReason: reason }) => {
      states.set(name, state);
      reasons.set(name, reason);
      return {};
    });
    return {
      states,
      /** What a user or test does with `aws cloudwatch set-alarm-state`. */
      setAlarmState(name: string, state: AlarmState, reason: string) {
        states.set(name, state);
        reasons.set(name, reason);
      },
    };
  }

  function watcher(alarms: readonly AnyAlarmDefinition[], options: { metrics?: MetricStore; onTransition?: (transition: AlarmTransition) => Promise<void> } = {}) {
    let nowMs = T0;
    const transitions: string[] = [];
    const metrics = options.metrics ?? new MetricStore();
    const instance = new AlarmWatcher({
      region: 'us-east-1',
      accountId: '111122223333',
      alarms,
      metrics,
      cloudwatch,
      now: () => nowMs,
      onTransition: options.onTransition ?? (async (t) => { transitions.push(`${t.alarm.AlarmName}: ${t.oldState} → ${t.newState}`); }),
    });
    return { watcher: instance, metrics, transitions, advance: (ms: number) => { nowMs += ms; } };
  }

  beforeEach(() => {
    cloudwatchMock.reset();
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => consoleError.mockRestore());

  test('the first round learns the states and reports nothing when evaluation agrees', async () => {
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'OK' });
    const { watcher: alarms, transitions } = watcher([failedLoginsAlarm]);

    await alarms.tick();
    await alarms.tick();

    expect(transitions).toEqual([]);
    expect(emulated.states.get(failedLoginsAlarm.AlarmName)).toBe('OK');
    expect(cloudwatchMock.commandCalls(SetAlarmStateCommand)).toHaveLength(0);
  });

  test('a new alarm (INSUFFICIENT_DATA) is evaluated on the first round and its change reported', async () => {
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'INSUFFICIENT_DATA' });
    const { watcher: alarms, transitions } = watcher([failedLoginsAlarm]);

    await alarms.tick();

    expect(transitions).toEqual([`${failedLoginsAlarm.AlarmName}: INSUFFICIENT_DATA → OK`]);
    expect(emulated.states.get(failedLoginsAlarm.AlarmName)).toBe('OK');
  });

  test('its own transitions: failed logins raise the alarm, which is written to the emulator and clears as they age out', async () => {
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'OK' });
    const { watcher: alarms, transitions, metrics, advance } = watcher([failedLoginsAlarm]);
    await alarms.tick();

    putMany(metrics, failedLogins, 5, T0 + 10_000);
    advance(10_000);
    await alarms.tick();

    expect(transitions).toEqual([`${failedLoginsAlarm.AlarmName}: OK → ALARM`]);
    expect(emulated.states.get(failedLoginsAlarm.AlarmName)).toBe('ALARM');
    const written = cloudwatchMock.commandCalls(SetAlarmStateCommand)[0].args[0].input;
    expect(written.StateReason).toContain('[5.0 (');
    expect(JSON.parse(written.StateReasonData!)).toMatchObject({ recentDatapoints: [5], threshold: 5 });

    advance(PERIOD_MS);
    await alarms.tick();
    expect(transitions).toEqual([`${failedLoginsAlarm.AlarmName}: OK → ALARM`, `${failedLoginsAlarm.AlarmName}: ALARM → OK`]);
    expect(emulated.states.get(failedLoginsAlarm.AlarmName)).toBe('OK');
  });

  test('a SetAlarmState from outside is reported once, then evaluation sets the alarm back', async () => {
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'OK' });
    const reported: AlarmTransition[] = [];
    const { watcher: alarms } = watcher([failedLoginsAlarm], { onTransition: async (transition) => { reported.push(transition); } });
    await alarms.tick();

    emulated.setAlarmState(failedLoginsAlarm.AlarmName, 'ALARM', 'Testing the Slack path');
    await alarms.tick();
    await alarms.tick();

    expect(reported.map(({ oldState, newState, reason }) => ({ oldState, newState, reason }))).toEqual([
      { oldState: 'OK', newState: 'ALARM', reason: 'Testing the Slack path' },
      { oldState: 'ALARM', newState: 'OK', reason: expect.stringContaining('counted as not breaching') },
    ]);
    expect(emulated.states.get(failedLoginsAlarm.AlarmName)).toBe('OK');
  });

  test('a state set from outside stays when the alarm ignores missing data, and is reported once', async () => {
    const ignoring = { ...failedLoginsAlarm, TreatMissingData: 'ignore' };
    const emulated = emulator({ [ignoring.AlarmName]: 'OK' });
    const { watcher: alarms, transitions } = watcher([ignoring]);
    await alarms.tick();

    emulated.setAlarmState(ignoring.AlarmName, 'ALARM', 'Testing the Slack path');
    await alarms.tick();
    await alarms.tick();

    expect(transitions).toEqual([`${ignoring.AlarmName}: OK → ALARM`]);
    expect(emulated.states.get(ignoring.AlarmName)).toBe('ALARM');
  });

  test('transitions are reported one at a time, in order, and a failing report does not stop the round', async () => {
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'OK', [clickDlqAlarm.AlarmName]: 'OK' });
    const events: string[] = [];
    const metrics = new MetricStore();
    const { watcher: alarms } = watcher([failedLoginsAlarm, clickDlqAlarm], {
      metrics,
      onTransition: async ({ alarm, newState }) => {
        events.push(`start ${alarm.AlarmName} ${newState}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${alarm.AlarmName} ${newState}`);
        if (alarm === failedLoginsAlarm && newState === 'ALARM') throw new Error('SNS is down');
      },
    });
    await alarms.tick();

    emulated.setAlarmState(failedLoginsAlarm.AlarmName, 'ALARM', 'Testing the Slack path');
    emulated.setAlarmState(clickDlqAlarm.AlarmName, 'INSUFFICIENT_DATA', 'Testing');
    await alarms.tick();

    expect(events).toEqual([
      `start ${failedLoginsAlarm.AlarmName} ALARM`, `end ${failedLoginsAlarm.AlarmName} ALARM`,
      `start ${failedLoginsAlarm.AlarmName} OK`, `end ${failedLoginsAlarm.AlarmName} OK`,
      `start ${clickDlqAlarm.AlarmName} INSUFFICIENT_DATA`, `end ${clickDlqAlarm.AlarmName} INSUFFICIENT_DATA`,
      `start ${clickDlqAlarm.AlarmName} OK`, `end ${clickDlqAlarm.AlarmName} OK`,
    ]);
    expect(consoleError).toHaveBeenCalledWith(expect.stringContaining(failedLoginsAlarm.AlarmName), expect.objectContaining({ message: 'SNS is down' }));
    expect(emulated.states.get(clickDlqAlarm.AlarmName)).toBe('OK');
  });

  test('reads every alarm in one DescribeAlarms call per round', async () => {
    emulator({ [failedLoginsAlarm.AlarmName]: 'OK', [clickDlqAlarm.AlarmName]: 'OK' });
    const { watcher: alarms } = watcher([failedLoginsAlarm, clickDlqAlarm]);

    await alarms.tick();

    const calls = cloudwatchMock.commandCalls(DescribeAlarmsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input.AlarmNames).toEqual([failedLoginsAlarm.AlarmName, clickDlqAlarm.AlarmName]);
  });

  test('an alarm missing from the emulator or impossible to evaluate is logged once and skipped; the others still run', async () => {
    const broken = { ...clickDlqAlarm, AlarmName: 'broken', Statistic: 'TrimmedMean' };
    const emulated = emulator({ [failedLoginsAlarm.AlarmName]: 'INSUFFICIENT_DATA', broken: 'INSUFFICIENT_DATA' });
    const notDeployed = { ...failedLoginsAlarm, AlarmName: 'not-deployed' };
    const { watcher: alarms, transitions } = watcher([notDeployed, broken, failedLoginsAlarm]);

    await alarms.tick();
    await alarms.tick();

    expect(transitions).toEqual([`${failedLoginsAlarm.AlarmName}: INSUFFICIENT_DATA → OK`]);
    expect(emulated.states.get('broken')).toBe('INSUFFICIENT_DATA');
    const logged = consoleError.mock.calls.map(([message]) => String(message));
    expect(logged).toEqual([
      expect.stringMatching(/Alarm not-deployed is not in the CloudWatch emulator for us-east-1/),
      expect.stringMatching(/Alarm broken cannot be evaluated locally .*statistic TrimmedMean/),
    ]);
  });

  describe('composite alarms (kept and evaluated here: moto cannot store them)', () => {
    test('the error-rate composite follows its children: ALARM after the child that failed, OK after the last one recovers', async () => {
      emulator({ [loginErrors.AlarmName]: 'OK', [clickErrors.AlarmName]: 'OK' });
      const reported: AlarmTransition[] = [];
      const { watcher: alarms, metrics, advance } = watcher([loginErrors, clickErrors, errorRateComposite], { onTransition: async (transition) => { reported.push(transition); } });
      const summary = () => reported.map(({ alarm, oldState, newState }) => `${alarm.AlarmName}: ${oldState} → ${newState}`);
      await alarms.tick();
      expect(reported).toEqual([]);

      // 1 of 10 login invocations failed: 10% > 5%.
      invocations(metrics, 'login', 10, 1, T0 + 10_000);
      advance(10_000);
      await alarms.tick();

      expect(summary()).toEqual([`${loginErrors.AlarmName}: OK → ALARM`, `${errorRateComposite.AlarmName}: OK → ALARM`]);
      expect(reported[1]).toMatchObject({
        reason: `${arnOf(loginErrors.AlarmName)} transitioned to ALARM at Wednesday 01 May, 2024 12:00:10 UTC`,
        timestamp: '2024-05-01T12:00:10.000Z',
        triggeringChildren: [{ arn: arnOf(loginErrors.AlarmName), state: 'ALARM', timestamp: '2024-05-01T12:00:10.000Z' }],
      });

      // A second failing function changes nothing for the composite; it stays in ALARM.
      invocations(metrics, 'click', 4, 4, T0 + 20_000);
      advance(10_000);
      await alarms.tick();
      expect(summary().slice(2)).toEqual([`${clickErrors.AlarmName}: OK → ALARM`]);

      // The login errors (12:00:00–12:00:09) age out first; the composite clears only with the click
      // errors (12:00:16–12:00:19).
      advance(PERIOD_MS - 8_000);
      await alarms.tick();
      expect(summary().slice(3)).toEqual([`${loginErrors.AlarmName}: ALARM → OK`]);
      advance(10_000);
      await alarms.tick();
      expect(summary().slice(4)).toEqual([`${clickErrors.AlarmName}: ALARM → OK`, `${errorRateComposite.AlarmName}: ALARM → OK`]);
      expect(reported[5].reason).toBe(`${arnOf(clickErrors.AlarmName)} transitioned to OK at Wednesday 01 May, 2024 12:05:22 UTC`);
    });

    test('its transition reaches the notifier as CloudWatch\'s composite-alarm message', async () => {
      emulator({ [loginErrors.AlarmName]: 'OK', [clickErrors.AlarmName]: 'OK' });
      const messages: Record<string, any>[] = [];
      const { watcher: alarms, metrics, advance } = watcher([loginErrors, clickErrors, errorRateComposite], {
        onTransition: async (transition) => { if (transition.alarm === errorRateComposite) messages.push(JSON.parse(alarmSnsMessage(transition, 'us-east-1', '111122223333'))); },
      });
      await alarms.tick();
      invocations(metrics, 'click', 2, 1, T0 + 10_000);
      advance(10_000);
      await alarms.tick();

      expect(messages).toHaveLength(1);
      expect(Object.keys(messages[0])).toEqual([
        'AlarmName', 'AlarmDescription', 'AWSAccountId', 'NewStateValue', 'NewStateReason', 'StateChangeTime', 'Region', 'AlarmArn',
        'OKActions', 'AlarmActions', 'InsufficientDataActions', 'OldStateValue', 'AlarmRule', 'TriggeringChildren',
      ]);
      expect(messages[0]).toMatchObject({
        AlarmName: errorRateComposite.AlarmName,
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        StateChangeTime: '2024-05-01T12:00:10.000+0000',
        AlarmArn: arnOf(errorRateComposite.AlarmName),
        AlarmActions: [ALARM_TOPIC],
        OKActions: [ALARM_TOPIC],
        AlarmRule: errorRateComposite.AlarmRule,
        TriggeringChildren: [{ Arn: arnOf(clickErrors.AlarmName), State: { Value: 'ALARM', Timestamp: '2024-05-01T12:00:10.000+0000' } }],
      });
      expect(parseAlarmChange(JSON.stringify(messages[0]), 'us-west-2')).toMatchObject({ name: errorRateComposite.AlarmName, state: 'ALARM', previousState: 'OK', region: 'us-east-1' });
    });

    test('a state set on a child from outside counts too, and only metric alarms are read from the emulator', async () => {
      const ignoring = { ...loginErrors, TreatMissingData: 'ignore', Metrics: [{ ...loginErrors.Metrics![0], Expression: '100 * errors / invocations' }, ...loginErrors.Metrics!.slice(1)] };
      const emulated = emulator({ [ignoring.AlarmName]: 'OK', [clickErrors.AlarmName]: 'OK' });
      const { watcher: alarms, transitions } = watcher([errorRateComposite, ignoring, clickErrors]);
      await alarms.tick();

      emulated.setAlarmState(ignoring.AlarmName, 'ALARM', 'Testing the Slack path');
      await alarms.tick();

      expect(transitions).toEqual([`${ignoring.AlarmName}: OK → ALARM`, `${errorRateComposite.AlarmName}: OK → ALARM`]);
      for (const call of cloudwatchMock.commandCalls(DescribeAlarmsCommand)) expect(call.args[0].input.AlarmNames).toEqual([ignoring.AlarmName, clickErrors.AlarmName]);
    });

    test('composites of composites are evaluated children first, in the same round', async () => {
      emulator({ [loginErrors.AlarmName]: 'ALARM', [clickErrors.AlarmName]: 'OK', [failedLoginsAlarm.AlarmName]: 'OK' });
      const page: CompositeAlarmDefinition = { AlarmName: 'page-someone', AlarmRule: `ALARM(${errorRateComposite.AlarmName}) AND NOT ALARM("${failedLoginsAlarm.AlarmName}")` };
      // Login errors stay in ALARM on their own data.
      const metrics = new MetricStore();
      invocations(metrics, 'login', 1, 1, T0);
      const { watcher: alarms, transitions } = watcher([page, errorRateComposite, loginErrors, clickErrors, failedLoginsAlarm], { metrics });

      await alarms.tick();

      expect(transitions).toEqual([`${errorRateComposite.AlarmName}: OK → ALARM`, 'page-someone: OK → ALARM']);
    });

    test('a composite reading an alarm without a state, or with a rule it cannot read, is logged once and skipped; the others still run', async () => {
      emulator({ [loginErrors.AlarmName]: 'ALARM' });
      const waiting: CompositeAlarmDefinition = { AlarmName: 'waiting', AlarmRule: 'ALARM(not-deployed) OR TRUE' };
      const unreadable: CompositeAlarmDefinition = { AlarmName: 'unreadable', AlarmRule: 'ALARM(a) XOR ALARM(b)' };
      const ring: CompositeAlarmDefinition[] = [{ AlarmName: 'ring-a', AlarmRule: 'ALARM(ring-b)' }, { AlarmName: 'ring-b', AlarmRule: 'ALARM(ring-a)' }];
      const working: CompositeAlarmDefinition = { AlarmName: 'working', AlarmRule: `ALARM("${arnOf(loginErrors.AlarmName)}")` };
      const metrics = new MetricStore();
      invocations(metrics, 'login', 1, 1, T0);
      const { watcher: alarms, transitions } = watcher([loginErrors, waiting, unreadable, working], { metrics });

      await alarms.tick();
      await alarms.tick();

      expect(transitions).toEqual(['working: OK → ALARM']);
      expect(consoleError.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringMatching(/Composite alarm waiting is skipped: its rule reads not-deployed, with no state in us-east-1/),
        expect.stringMatching(/Composite alarm unreadable cannot be evaluated locally .*AlarmRule "ALARM\(a\) XOR ALARM\(b\)": unexpected "XOR ALARM\(b\)"/),
      ]);

      consoleError.mockClear();
      const { watcher: cyclic } = watcher(ring);
      await cyclic.tick();
      expect(consoleError.mock.calls.map(([message]) => String(message))).toEqual([
        expect.stringMatching(/Composite alarm ring-a cannot be evaluated locally .*cycle: ring-a → ring-b → ring-a/),
        expect.stringMatching(/Composite alarm ring-b cannot be evaluated locally .*cycle/),
      ]);
    });
  });
});

describe('compileAlarmRule and evaluateAlarmRule (composite AlarmRule)', () => {
  const states: Record<string, AlarmState> = { up: 'OK', down: 'ALARM', new: 'INSUFFICIENT_DATA', 'with space': 'ALARM' };
  const truth = (rule: string) => evaluateAlarmRule(rule, states);

  test.each([
    ['ALARM(down)', true],
    ['ALARM(up)', false],
    ['OK(up)', true],
    ['OK(new)', false],
    ['INSUFFICIENT_DATA(new)', true],
    ['INSUFFICIENT_DATA(down)', false],
    ['TRUE', true],
    ['FALSE', false],
  ])('%s is %s', (rule, expected) => {
    expect(truth(rule)).toBe(expected);
  });

  test('NOT binds tightest, then AND, then OR; parentheses group', () => {
    expect(truth('ALARM(down) OR ALARM(up) AND ALARM(up)')).toBe(true);
    expect(truth('(ALARM(down) OR ALARM(up)) AND ALARM(up)')).toBe(false);
    expect(truth('NOT ALARM(up) AND OK(up)')).toBe(true);
    expect(truth('NOT (ALARM(up) OR OK(up))')).toBe(false);
    expect(truth('NOT NOT ALARM(down)')).toBe(true);
    expect(truth('ALARM(down) AND NOT ALARM(up) AND (FALSE OR TRUE)')).toBe(true);
  });

  test('alarms are named or given by ARN, in double quotes or not; keywords in any case', () => {
    const arn = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:down';
    expect(truth(`ALARM("${arn}")`)).toBe(true);
    expect(truth(`ALARM(${arn})`)).toBe(true);
    expect(truth('ALARM("down")')).toBe(true);
    expect(truth('ALARM( down )')).toBe(true);
    expect(truth('ALARM("with space")')).toBe(true);
    expect(truth('alarm(down) and not ok(down) or false')).toBe(true);
    expect(truth('ALARM (down)')).toBe(true);
  });

  test('lists the alarms it reads, each once, in order of first use, names for ARNs', () => {
    const rule = compileAlarmRule('(ALARM("arn:aws:cloudwatch:us-east-1:111122223333:alarm:b") OR ALARM(a)) AND NOT OK(b) OR TRUE');
    expect(rule.alarms).toEqual(['b', 'a']);
    expect(compileAlarmRule('TRUE').alarms).toEqual([]);
  });

  test('the rule CDK renders for the app\'s composite alarm reads every per-function alarm', () => {
    expect(compileAlarmRule(errorRateComposite.AlarmRule).alarms).toEqual([loginErrors.AlarmName, clickErrors.AlarmName]);
    expect(evaluateAlarmRule(errorRateComposite.AlarmRule, { [loginErrors.AlarmName]: 'OK', [clickErrors.AlarmName]: 'ALARM' })).toBe(true);
    expect(evaluateAlarmRule(errorRateComposite.AlarmRule, { [loginErrors.AlarmName]: 'OK', [clickErrors.AlarmName]: 'INSUFFICIENT_DATA' })).toBe(false);
  });

  test.each([
    ['', /unexpected end of rule/],
    ['ALARM(down', /expected "\)" after the alarm down/],
    ['ALARM()', /empty alarm name/],
    ['ALARM("down)', /unterminated quoted alarm name/],
    ['(ALARM(down)', /expected "\)"/],
    ['ALARM(down) ALARM(up)', /unexpected "ALARM\(up\)"/],
    ['ALARMED(down)', /expected ALARM\(…\), OK\(…\), INSUFFICIENT_DATA\(…\), TRUE, FALSE, NOT or "\(" but found "ALARMED\(down\)"/],
    ['ALARM(down) AND', /unexpected end of rule/],
    ['TRUEISH', /but found "TRUEISH"/],
  ])('%j is an error naming the rule and the problem', (rule, problem) => {
    expect(() => compileAlarmRule(rule)).toThrow(problem);
    expect(() => compileAlarmRule(rule)).toThrow(`AlarmRule "${rule}"`);
  });

  test('an alarm without a state is an error', () => {
    expect(() => truth('ALARM(down) OR ALARM(gone)')).toThrow(/refers to alarm\(s\) with no state: gone/);
  });
});
