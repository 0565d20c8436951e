import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compileAlarmRule, isCompositeAlarm, type AlarmState, type CompositeAlarmDefinition } from '../../local/alarm-evaluator';
import type { AlarmTransition } from '../../local/alarm-message';
import { AlarmWatcher } from '../../local/alarm-watcher';
import { IamPolicies } from '../../local/iam-policies';
import { MetricStore } from '../../local/metric-store';
import { LOCAL_ACCOUNT_ID, RegionProvisioner } from '../../local/provision';
import { regionStacks } from '../../local/templates';
import { sdkClients } from '../support/fake-emulators';

/**
 * A composite alarm from a CDK app, provisioned locally: moto has no PutCompositeAlarm, so the
 * provisioner keeps it (its AlarmRule resolved to the children's local ARNs) and the alarm watcher
 * evaluates it from the children's states.
 */

const REGION = 'eu-west-1';
const cloudwatchMock = mockClient(CloudWatchClient);
const ssmMock = mockClient(SSMClient);

const clients = sdkClients(REGION);

let workDir: string;

beforeAll(() => { workDir = mkdtempSync(path.join(tmpdir(), 'provision-composite-')); });
afterAll(() => {
  cloudwatchMock.restore();
  ssmMock.restore();
  rmSync(workDir, { recursive: true, force: true });
});

/** Two metric alarms and the composite that joins them, as the app's monitoring stack builds them. */
function synthesizeApp() {
  const app = new App({ outdir: path.join(workDir, 'cdk.out') });
  const stack = new Stack(app, 'Alarms', { env: { account: LOCAL_ACCOUNT_ID, region: REGION } });
  const child = (name: string) => new cloudwatch.Alarm(stack, name, {
    alarmName: name,
    metric: new cloudwatch.Metric({ namespace: 'probe', metricName: name, statistic: 'Sum', period: Duration.minutes(5) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  new cloudwatch.CompositeAlarm(stack, 'Either', {
    compositeAlarmName: 'either',
    alarmDescription: 'first or second',
    alarmRule: cloudwatch.AlarmRule.anyOf(child('first'), child('second')),
  });
  app.synth();
  return regionStacks(path.join(workDir, 'cdk.out'), REGION);
}

test('a composite alarm is kept locally with its rule resolved, and follows its children', async () => {
  cloudwatchMock.reset();
  ssmMock.reset();
  cloudwatchMock.on(PutMetricAlarmCommand).resolves({});
  ssmMock.on(GetParametersCommand).callsFake((input) => ({ Parameters: [], InvalidParameters: input.Names ?? [] }));
  const provisioner = new RegionProvisioner({
    region: REGION,
    clients,
    metrics: new MetricStore(),
    logDir: workDir,
    runtimeEnvironment: { AWS_REGION: REGION },
    cognitoUrl: 'http://127.0.0.1:1',
    policies: new IamPolicies(LOCAL_ACCOUNT_ID),
  });

  for (const stack of synthesizeApp()) await provisioner.provisionStack(stack);

  // The children went to the emulator; the composite did not (moto would answer PutCompositeAlarm with a 404).
  expect(cloudwatchMock.commandCalls(PutMetricAlarmCommand).map((call) => call.args[0].input.AlarmName).sort()).toEqual(['first', 'second']);
  const composites = provisioner.local.alarms.filter(isCompositeAlarm);
  expect(composites).toHaveLength(1);
  const either = composites[0] as CompositeAlarmDefinition;
  const arnOf = (name: string) => `arn:aws:cloudwatch:${REGION}:${LOCAL_ACCOUNT_ID}:alarm:${name}`;
  expect(either).toMatchObject({ AlarmName: 'either', AlarmDescription: 'first or second', AlarmRule: `(ALARM("${arnOf('first')}") OR ALARM("${arnOf('second')}"))` });
  expect(compileAlarmRule(either.AlarmRule).alarms).toEqual(['first', 'second']);

  // The watcher, against the emulator's states of the children.
  const states = new Map<string, AlarmState>([['first', 'OK'], ['second', 'OK']]);
  cloudwatchMock.on(DescribeAlarmsCommand).callsFake(({ AlarmNames: names = [] }) => ({
    MetricAlarms: names.filter((name: string) => states.has(name)).map((name: string) => ({ AlarmName: name, StateValue: states.get(name) })),
  }));
  cloudwatchMock.on(SetAlarmStateCommand).callsFake(({ AlarmName: name, StateValue: state }) => { states.set(name, state); return {}; });
  const transitions: AlarmTransition[] = [];
  const metrics = new MetricStore();
  let nowMs = Date.UTC(2024, 4, 1, 12, 0, 0);
  const watcher = new AlarmWatcher({
    region: REGION,
    accountId: LOCAL_ACCOUNT_ID,
    alarms: provisioner.local.alarms,
    metrics,
    cloudwatch: clients.cloudwatch,
    now: () => nowMs,
    onTransition: async (transition) => { transitions.push(transition); },
  });
  await watcher.tick();
  expect(transitions).toEqual([]);

  metrics.put({ namespace: 'probe', metricName: 'second', dimensions: {} }, 1, nowMs - 1000);
  nowMs += 1000;
  await watcher.tick();

  expect(transitions.map(({ alarm, oldState, newState }) => `${alarm.AlarmName}: ${oldState} → ${newState}`)).toEqual(['second: OK → ALARM', 'either: OK → ALARM']);
  expect(transitions[1].triggeringChildren).toEqual([{ arn: arnOf('second'), state: 'ALARM', timestamp: new Date(nowMs).toISOString() }]);
});
