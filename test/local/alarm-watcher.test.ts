import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import type { AlarmState, AnyAlarmDefinition, CompositeAlarmDefinition } from '../../local/alarm-evaluator';
import { alarmSnsMessage, type AlarmTransition } from '../../local/alarm-message';
import { AlarmWatcher } from '../../local/alarm-watcher';
import { MetricStore } from '../../local/metric-store';
import { parseAlarmChange } from '../../lambda/notifier';
import {
  ALARM_TOPIC, arnOf, clickDlqAlarm, clickErrors, errorRateComposite, failedLogins, failedLoginsAlarm,
  invocations, loginErrors, PERIOD_MS, putMany, T0,
} from './alarm-fixtures';

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
