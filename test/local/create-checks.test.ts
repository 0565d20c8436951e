import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  CONCURRENCY_QUOTA_VARIABLE, CreateCheckError, CreateChecks, createChecksFor, type CreateCheck, type ResourceToCreate,
} from '../../local/create-checks';
import { LOCAL_ACCOUNT_ID, RegionProvisioner } from '../../local/provision';
import { synthesizeLocalStages } from '../../local/synth';
import { regionStacks, type LocalStack, type ResourceValues, type Template } from '../../local/templates';
import { fakeProvisioner, stopLocalRegion } from '../support/fake-emulators';

/**
 * Create-time validations (L4): what AWS refuses when CloudFormation creates a resource is refused
 * locally, with the service's message. Each rule is shown refusing a violating resource and
 * accepting the nearest valid one; the real app, synthesized as `npm start` does, is provisioned
 * through every check.
 */

type Props = Record<string, unknown>;

const REGION = 'eu-west-1';

function stack(id: string, template: Template = {}): LocalStack {
  return { id, stackName: id, displayName: id, region: REGION, template, dependencies: [], assets: new Map() };
}

const PROBE = stack('Probe');

function resource(type: string, props: Props, options: { logicalId?: string; stack?: LocalStack; created?: Map<string, ResourceValues> } = {}): ResourceToCreate {
  return { stack: options.stack ?? PROBE, logicalId: options.logicalId ?? 'Thing', type, props, created: options.created ?? new Map() };
}

/** The services' messages for `resource`, [] when every check passes. */
function refusals(checks: CreateChecks, toCreate: ResourceToCreate): string[] {
  try {
    checks.check(toCreate);
    return [];
  } catch (error) {
    if (!(error instanceof CreateCheckError)) throw error;
    return error.violations.map((violation) => violation.message);
  }
}

const ALARM = 'AWS::CloudWatch::Alarm';
const FUNCTION = 'AWS::Lambda::Function';
const MAPPING = 'AWS::Lambda::EventSourceMapping';

const metricStat = (id: string, period = 300) => ({
  Id: id, ReturnData: false, MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors' }, Period: period, Stat: 'Sum' },
});

/** A metric math alarm summing `count` metrics, as the app's error-rate alarm does. */
function mathAlarm(count: number, overrides: Props = {}): Props {
  const ids = Array.from({ length: count }, (_, i) => `m${i}`);
  return {
    AlarmName: 'probe-errors',
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    Threshold: 5,
    Metrics: [{ Id: 'total', Expression: ids.map((id) => `FILL(${id}, 0)`).join(' + '), ReturnData: true }, ...ids.map((id) => metricStat(id))],
    ...overrides,
  };
}

const singleMetricAlarm = (overrides: Props = {}): Props => ({
  AlarmName: 'probe-failed-logins', ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, Threshold: 5,
  Namespace: 'regionalapp', MetricName: 'FailedLogins', Statistic: 'Sum', Period: 300, ...overrides,
});

const withMetrics = (metrics: Props[]) => mathAlarm(0, { Metrics: metrics });
const fn = (overrides: Props = {}): Props => ({ FunctionName: 'probe-fn', Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 10, MemorySize: 512, ...overrides });
const x = (length: number) => 'x'.repeat(length);

/** [what, type, props, the service's message (or its start)]: every one refused. */
const REFUSED: [string, string, Props, string][] = [
  // CloudWatch alarms
  ['a metric math alarm on 11 metrics', ALARM, mathAlarm(11), 'Alarms based on metric math expressions can reference a maximum of 10 metrics.'],
  ['a metric Id that starts with an uppercase letter', ALARM, withMetrics([{ Id: 'Total', Expression: 'm1', ReturnData: true }, metricStat('m1')]), 'Invalid metrics list'],
  ['a metric Id with a hyphen', ALARM, withMetrics([{ Id: 'total', Expression: 'm1', ReturnData: true }, metricStat('m1'), metricStat('m-2')]), 'Invalid metrics list'],
  ['two metrics with one Id', ALARM, withMetrics([{ Id: 'total', Expression: 'm1', ReturnData: true }, metricStat('m1'), metricStat('m1')]), 'Invalid metrics list'],
  ['no item returning data', ALARM, withMetrics([{ Id: 'total', Expression: 'm1', ReturnData: false }, metricStat('m1')]), 'Exactly one element of the metrics list should return data.'],
  ['two items returning data (ReturnData defaults to true)', ALARM, withMetrics([{ Id: 'total', Expression: 'm1' }, { ...metricStat('m1'), ReturnData: undefined }]), 'Exactly one element of the metrics list should return data.'],
  ['an expression that does not parse', ALARM, withMetrics([{ Id: 'total', Expression: 'm1 +', ReturnData: true }, metricStat('m1')]), 'Invalid metrics list'],
  ['an expression naming an Id that Metrics lacks', ALARM, withMetrics([{ Id: 'total', Expression: 'm1 + m2', ReturnData: true }, metricStat('m1')]), 'Invalid metrics list'],
  ['Statistic beside Metrics', ALARM, mathAlarm(2, { Statistic: 'Sum' }), 'Statistic should not be set if list of Metrics is set.'],
  ['neither MetricName nor Metrics', ALARM, singleMetricAlarm({ MetricName: undefined }), 'MetricName must not be null'],
  ['a period of 45 seconds', ALARM, singleMetricAlarm({ Period: 45 }), 'Period must be 10, 30 or a multiple of 60'],
  ['a metric period of 90 seconds', ALARM, withMetrics([{ Id: 'total', Expression: 'm1', ReturnData: true }, metricStat('m1', 90)]), 'Period must be 10, 30 or a multiple of 60'],
  ['5-minute periods evaluated over more than a day', ALARM, singleMetricAlarm({ EvaluationPeriods: 289 }), 'For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can\'t be longer than one day (86,400 seconds).'],
  ['hourly periods evaluated over more than seven days', ALARM, singleMetricAlarm({ Period: 3600, EvaluationPeriods: 169 }), 'An alarm\'s total current evaluation period can be no longer than seven days, so Period multiplied by EvaluationPeriods can\'t be more than 604,800 seconds.'],
  ['DatapointsToAlarm above EvaluationPeriods', ALARM, singleMetricAlarm({ EvaluationPeriods: 3, DatapointsToAlarm: 4 }), 'DatapointsToAlarm must be less than or equal to EvaluationPeriods'],
  ['a 256-character alarm name', ALARM, singleMetricAlarm({ AlarmName: x(256) }), `1 validation error detected: Value '${x(256)}' at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255`],
  // Lambda functions
  ['a 65-character function name', FUNCTION, fn({ FunctionName: x(65) }), `1 validation error detected: Value '${x(65)}' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64`],
  ['a function name with a dot', FUNCTION, fn({ FunctionName: 'probe.fn' }), 'at \'functionName\' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?'],
  ['a timeout of 901 seconds', FUNCTION, fn({ Timeout: 901 }), '1 validation error detected: Value \'901\' at \'timeout\' failed to satisfy constraint: Member must have value less than or equal to 900'],
  ['a timeout of 0 seconds', FUNCTION, fn({ Timeout: 0 }), '1 validation error detected: Value \'0\' at \'timeout\' failed to satisfy constraint: Member must have value greater than or equal to 1'],
  ['127 MB of memory', FUNCTION, fn({ MemorySize: 127 }), 'Value \'127\' at \'memorySize\' failed to satisfy constraint: Member must have value greater than or equal to 128'],
  ['10241 MB of memory', FUNCTION, fn({ MemorySize: 10241 }), 'Value \'10241\' at \'memorySize\' failed to satisfy constraint: Member must have value less than or equal to 10240'],
  ['environment variables of 4097 bytes as JSON', FUNCTION, fn({ Environment: { Variables: { CONFIG: x(4084) } } }), `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: {"CONFIG":"${x(4084)}"}`],
  ['a reserved environment variable', FUNCTION, fn({ Environment: { Variables: { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'x', GREETING: 'hi' } } }), 'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID'],
  ['a batch of more than 10 SQS messages without a batching window', MAPPING, { EventSourceArn: `arn:aws:sqs:${REGION}:${LOCAL_ACCOUNT_ID}:work`, FunctionName: 'probe-fn', BatchSize: 11 }, 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10'],
  // Names
  ['a 65-character role name', 'AWS::IAM::Role', { RoleName: x(65) }, `1 validation error detected: Value '${x(65)}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64`],
  ...['Probe-Bucket', 'probe_bucket', 'pb', x(64), 'probe..bucket', 'probe-.bucket', '192.168.1.10', 'xn--probe', 'probe-bucket-', 'probe-s3alias']
    .map((name): [string, string, Props, string] => [`the bucket name "${name.length > 20 ? `${name.length} characters` : name}"`, 'AWS::S3::Bucket', { BucketName: name }, 'The specified bucket is not valid.']),
  ['an 81-character queue name', 'AWS::SQS::Queue', { QueueName: x(81) }, 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'],
  ['a queue name with a dot', 'AWS::SQS::Queue', { QueueName: 'probe.work' }, 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'],
  ['a standard queue named .fifo', 'AWS::SQS::Queue', { QueueName: 'probe.fifo' }, 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length'],
  ['a FIFO queue without the .fifo suffix', 'AWS::SQS::Queue', { QueueName: 'probe', FifoQueue: true }, 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'],
  ['an 81-character FIFO queue name', 'AWS::SQS::Queue', { QueueName: `${x(76)}.fifo`, FifoQueue: true }, 'The name of a FIFO queue can only include'],
  ['a 257-character topic name', 'AWS::SNS::Topic', { TopicName: x(257) }, 'Invalid parameter: Topic Name'],
  ['a topic name with a dot', 'AWS::SNS::Topic', { TopicName: 'probe.alarms' }, 'Invalid parameter: Topic Name'],
  ['a FIFO topic without the .fifo suffix', 'AWS::SNS::Topic', { TopicName: 'probe', FifoTopic: true }, 'Invalid parameter: Topic Name'],
  ['a 129-character stream name', 'AWS::Kinesis::Stream', { Name: x(129) }, 'at \'streamName\' failed to satisfy constraint: Member must have length less than or equal to 128'],
  ['a stream name with a slash', 'AWS::Kinesis::Stream', { Name: 'probe/changes' }, 'at \'streamName\' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'],
  ...['pt', x(256), 'probe table'].map((name): [string, string, Props, string] => [`the table name "${name.length > 20 ? `${name.length} characters` : name}"`, 'AWS::DynamoDB::GlobalTable', { TableName: name },
    'Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, \'_\', \'-\', and \'.\'']),
  ...['/aws/probe', 'ssm-probe', '/probe/has space', '/probe//double'].map((name): [string, string, Props, string] => [`the parameter name "${name}"`, 'AWS::SSM::Parameter', { Name: name, Type: 'String', Value: 'v' },
    'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_']),
  ['a parameter 16 levels deep', 'AWS::SSM::Parameter', { Name: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`, Type: 'String', Value: 'v' }, 'A hierarchy can have a maximum of 15 levels.'],
  ['a parameter name longer than 1011 characters with its ARN', 'AWS::SSM::Parameter', { Name: `/${x(990)}`, Type: 'String', Value: 'v' }, 'The maximum length for a parameter name, including the full length of the parameter Amazon Resource Name (ARN), is 1011 characters.'],
  ['a 513-character log group name', 'AWS::Logs::LogGroup', { LogGroupName: x(513) }, 'at \'logGroupName\' failed to satisfy constraint: Member must have length less than or equal to 512'],
];

/** [what, type, props]: the nearest valid resources, every one accepted. */
const ACCEPTED: [string, string, Props][] = [
  ['a metric math alarm on 10 metrics', ALARM, mathAlarm(10)],
  ['a single-metric alarm with a 20-second period', ALARM, singleMetricAlarm({ Period: 20 })],
  ['1-minute periods evaluated over exactly a day', ALARM, singleMetricAlarm({ Period: 60, EvaluationPeriods: 1440, DatapointsToAlarm: 1440 })],
  ['an anomaly detection alarm, which returns the metric and its band', ALARM, {
    ...withMetrics([{ Id: 'm1', MetricStat: metricStat('m1').MetricStat, ReturnData: true }, { Id: 'ad1', Expression: 'ANOMALY_DETECTION_BAND(m1, 2)', ReturnData: true }]),
    ComparisonOperator: 'GreaterThanUpperThreshold', ThresholdMetricId: 'ad1', Threshold: undefined,
  }],
  ['a 64-character function name, 900 s and 10240 MB', FUNCTION, fn({ FunctionName: x(64), Timeout: 900, MemorySize: 10240 })],
  ['environment variables of exactly 4 KB (4096 bytes) as JSON', FUNCTION, fn({ Environment: { Variables: { CONFIG: x(4083) } } })],
  ['a 64-character role name', 'AWS::IAM::Role', { RoleName: x(64) }],
  ['a 63-character bucket name with dots', 'AWS::S3::Bucket', { BucketName: `probe.${x(57)}` }],
  ['an 80-character FIFO queue name', 'AWS::SQS::Queue', { QueueName: `${x(75)}.fifo`, FifoQueue: 'true' }],
  ['a FIFO topic', 'AWS::SNS::Topic', { TopicName: 'probe-alarms.fifo', FifoTopic: true }],
  ['a 255-character table name with dots', 'AWS::DynamoDB::Table', { TableName: `p.${x(253)}` }],
  ['a parameter 15 levels deep', 'AWS::SSM::Parameter', { Name: `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`, Type: 'String', Value: 'v' }],
  ['a parameter name without a leading slash', 'AWS::SSM::Parameter', { Name: 'probe.setting', Type: 'String', Value: 'v' }],
  ['unnamed resources, named by CloudFormation', 'AWS::SQS::Queue', {}],
];

describe('create-time checks, rule by rule', () => {
  test.each(REFUSED)('refuse %s', (_, type, props, message) => {
    const found = refusals(new CreateChecks(), resource(type, props));

    expect(found).toEqual([expect.stringContaining(message)]);
  });

  test.each(ACCEPTED)('accept %s', (_, type, props) => {
    expect(refusals(new CreateChecks(), resource(type, props))).toEqual([]);
  });

  test('the error names the stack and resource, the service and its error code', () => {
    expect(() => new CreateChecks().check(resource(FUNCTION, fn({ Timeout: 901 }), { logicalId: 'SlowFunction' })))
      .toThrow('Probe/SlowFunction would not be created by AWS: Lambda ValidationException: "1 validation error detected: Value \'901\' at \'timeout\'');
  });

  test('every violation of one resource is reported together, as the service does', () => {
    const found = refusals(new CreateChecks(), resource(FUNCTION, fn({ Timeout: 901, MemorySize: 64 })));

    expect(found).toEqual(['2 validation errors detected: Value \'901\' at \'timeout\' failed to satisfy constraint: Member must have value less than or equal to 900; '
      + 'Value \'64\' at \'memorySize\' failed to satisfy constraint: Member must have value greater than or equal to 128']);
  });
});

describe('reserved concurrency, summed over the region', () => {
  const reserving = (stackId: string, logicalId: string, reserved: number) =>
    resource(FUNCTION, fn({ FunctionName: logicalId.toLowerCase(), ReservedConcurrentExecutions: reserved }), { stack: stack(stackId), logicalId });

  test('refuses the function that leaves fewer than 100 of the quota unreserved, counting every stack of the region', () => {
    const checks = new CreateChecks({ lambdaConcurrencyQuota: 1000 });

    expect(refusals(checks, reserving('Api', 'Hello', 500))).toEqual([]);
    expect(refusals(checks, reserving('Events', 'Counter', 400))).toEqual([]);
    expect(refusals(checks, reserving('Monitoring', 'Notifier', 1)))
      .toEqual(['Specified ReservedConcurrentExecutions for function decreases account\'s UnreservedConcurrentExecution below its minimum value of [100].']);
  });

  test('an account whose quota is below 100 (a new account has 10) can reserve nothing, and Lambda says its quota', () => {
    expect(refusals(new CreateChecks({ lambdaConcurrencyQuota: 10 }), reserving('Api', 'Hello', 1)))
      .toEqual(['Specified ReservedConcurrentExecutions for function decreases account\'s UnreservedConcurrentExecution below its minimum value of [10].']);
  });

  test(`the quota comes from ${CONCURRENCY_QUOTA_VARIABLE} (npm start), 1000 when unset`, () => {
    const before = process.env[CONCURRENCY_QUOTA_VARIABLE];
    try {
      delete process.env[CONCURRENCY_QUOTA_VARIABLE];
      expect(refusals(new CreateChecks(), reserving('Api', 'Hello', 901))).toHaveLength(1);
      process.env[CONCURRENCY_QUOTA_VARIABLE] = '2000';
      expect(refusals(new CreateChecks(), reserving('Api', 'Hello', 1900))).toEqual([]);
      process.env[CONCURRENCY_QUOTA_VARIABLE] = 'lots';
      expect(() => new CreateChecks()).toThrow(`${CONCURRENCY_QUOTA_VARIABLE} must be a positive whole number (got "lots")`);
    } finally {
      if (before === undefined) delete process.env[CONCURRENCY_QUOTA_VARIABLE];
      else process.env[CONCURRENCY_QUOTA_VARIABLE] = before;
    }
  });
});

describe('further checks, e.g. create-time permission checks, join the list', () => {
  test('a check for every type runs after the services\' own, and its violations are reported alike', () => {
    const seen: string[] = [];
    const permissions: CreateCheck = {
      types: '*',
      *check({ type, logicalId }) {
        seen.push(`${type} ${logicalId}`);
        if (type === 'AWS::SQS::Queue') yield { service: 'IAM', code: 'AccessDenied', message: 'not authorized to perform: sqs:CreateQueue' };
      },
    };
    const checks = new CreateChecks({ checks: [permissions] });

    expect(refusals(checks, resource('AWS::SNS::Topic', {}, { logicalId: 'Topic' }))).toEqual([]);
    expect(refusals(checks, resource('AWS::SQS::Queue', { QueueName: 'a.b' }, { logicalId: 'Queue' })))
      .toEqual(['Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length', 'not authorized to perform: sqs:CreateQueue']);
    expect(seen).toEqual(['AWS::SNS::Topic Topic', 'AWS::SQS::Queue Queue']);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the provisioner: templates as `cdk synth` writes them, against emulators that answer
// as moto does (the provisioner reads back ids, ARNs and what earlier stacks put in SSM).

let workDir: string;
const provisioners: RegionProvisioner[] = [];

function provisioner(region = REGION): RegionProvisioner {
  const created = fakeProvisioner(region, workDir);
  provisioners.push(created);
  return created;
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'create-checks-test-'));
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
afterEach(async () => {
  for (const { local } of provisioners.splice(0)) await stopLocalRegion(local);
});

describe('provisioning a region', () => {
  const queueStack = (visibilityTimeout?: number) => stack('Events', {
    Resources: { Work: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'probe-work', ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }) } } },
  });
  const consumerStack = (timeout?: number) => stack('Consumer', {
    Resources: {
      Worker: { Type: FUNCTION, Properties: { FunctionName: 'probe-worker', Runtime: 'python3.13', Handler: 'index.handler', ...(timeout === undefined ? {} : { Timeout: timeout }) } },
      WorkerQueueSource: { Type: MAPPING, Properties: { EventSourceArn: `arn:aws:sqs:${REGION}:${LOCAL_ACCOUNT_ID}:probe-work`, FunctionName: { Ref: 'Worker' } } },
    },
  });

  test('refuses a resource AWS would refuse before creating it, naming the stack, resource, type and the service\'s message', async () => {
    const alarms = stack('Monitoring', { Resources: { ErrorsAlarm: { Type: ALARM, Properties: mathAlarm(11) } } });

    await expect(provisioner().provisionStack(alarms)).rejects.toThrow(
      'Creating Monitoring/ErrorsAlarm (AWS::CloudWatch::Alarm) locally failed: Monitoring/ErrorsAlarm would not be created by AWS: '
      + 'CloudWatch ValidationError: "Alarms based on metric math expressions can reference a maximum of 10 metrics." (this one has 11 metrics (MetricStat entries))');
  });

  test('refuses an SQS event source whose queue, in another stack, would show messages again before the function times out', async () => {
    const region = provisioner();
    await region.provisionStack(queueStack());

    await expect(region.provisionStack(consumerStack(60))).rejects.toThrow(
      'Creating Consumer/WorkerQueueSource (AWS::Lambda::EventSourceMapping) locally failed: Consumer/WorkerQueueSource would not be created by AWS: '
      + 'Lambda InvalidParameterValueException: "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds" (Events/Work → Consumer/Worker)');
  });

  test.each([
    ['the defaults (30 s visibility, 3 s timeout)', undefined, undefined],
    ['a visibility timeout equal to the function timeout', 60, 60],
  ])('accepts an SQS event source with %s', async (_, visibilityTimeout, timeout) => {
    const region = provisioner();
    await region.provisionStack(queueStack(visibilityTimeout));
    await region.provisionStack(consumerStack(timeout));

    expect(region.local.eventSourceMappings).toHaveLength(1);
  });

  test('keeps one record per region: the same resources in another region are checked on their own', async () => {
    await provisioner(REGION).provisionStack(queueStack(60));

    await expect(provisioner('us-west-2').provisionStack(consumerStack(60))).resolves.toBeUndefined();
  });
});

describe('the app, synthesized as npm start does', () => {
  test('every resource of every region passes every create-time check', async () => {
    const outdir = path.join(workDir, 'cdk.out');
    const config = synthesizeLocalStages(outdir);
    const refused: string[] = [];
    for (const region of config.appRegions) {
      const regional = provisioner(region);
      createChecksFor(regional.local, {
        onViolations: ({ resource: { stack: { displayName }, logicalId }, violations }) => refused.push(
          ...violations.map(({ message }) => `${region}/${displayName.split('/').pop()}/${logicalId.replace(/[0-9A-F]{8}$/, '')}: ${message}`)),
      });
      for (const appStack of regionStacks(outdir, region)) await regional.provisionStack(appStack);
    }

    expect(refused).toEqual([]);
    for (const { local } of provisioners) {
      const checked = createChecksFor(local).region;
      expect(checked.ofType(FUNCTION).length).toBeGreaterThanOrEqual(9);
      expect(checked.ofType(ALARM).length).toBeGreaterThanOrEqual(4);
      expect(checked.ofType(MAPPING)).toHaveLength(1);
    }
  }, 60_000);
});
