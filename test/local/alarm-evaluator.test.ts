import { compileAlarmRule, evaluateAlarm, evaluateAlarmRule, type AlarmDefinition, type AlarmState } from '../../local/alarm-evaluator';
import { MetricStore } from '../../local/metric-store';
import {
  clickDlqAlarm, clickErrors, dlqMessages, errorRateAlarm, errorRateComposite, failedLogins, failedLoginsAlarm,
  invocations, lambdaKey, lambdaStat, loginErrors, MINUTE, PERIOD_MS, putMany, T0,
} from './alarm-fixtures';

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
