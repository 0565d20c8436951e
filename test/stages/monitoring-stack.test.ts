import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { HANDLERS } from '../../lib/handler-bundles';
import { policyStatements, REGION_B, stagesBuilding, templateOf, threeRegionConfig as config } from '../support/stages';

/** Region B's Monitoring stack, as its stage builds it (the other stacks are stand-ins). */
let monitoring: Template;

beforeAll(() => {
  monitoring = templateOf(stagesBuilding('Monitoring')(config, [REGION_B])[0], 'Monitoring');
});

describe('Monitoring stack (A12, A13)', () => {
  const topicRef = { Ref: Match.stringLikeRegexp('AlarmTopic') };
  const ourAlarms = 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:regionalapp-prod-*';
  const functionAlarms = () => Object.entries(monitoring.findResources('AWS::CloudWatch::Alarm'))
    .filter(([, alarm]) => /^regionalapp-prod-error-rate-.+-us-west-2$/.test(alarm.Properties.AlarmName));

  test('alarms on failed logins, error rate and dead-lettered clicks notify the encrypted topic', () => {
    for (const name of ['failed-logins', 'click-dlq-not-empty', 'unprocessable-clicks']) {
      monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `regionalapp-prod-${name}-us-west-2`,
        AlarmActions: [topicRef],
        OKActions: [topicRef],
      });
    }
    monitoring.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'regionalapp-prod-error-rate-us-west-2',
      AlarmActions: [topicRef],
      OKActions: [topicRef],
    });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'regionalapp-prod-failed-logins-us-west-2',
      MetricName: 'FailedLogins',
      Namespace: 'regionalapp-prod',
      Threshold: config.alarms.failedLoginsPerFiveMinutes,
    });
    monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  test('the error rate is one alarm per function (two metrics each), joined by a composite alarm that alone notifies', () => {
    const perFunction = functionAlarms();
    expect(perFunction.map(([, alarm]) => alarm.Properties.AlarmName).sort())
      .toEqual(HANDLERS.filter((handler) => handler !== 'notifier').map((handler) => `regionalapp-prod-error-rate-${handler}-us-west-2`).sort());
    for (const [, alarm] of perFunction) {
      const { Metrics: metrics, AlarmActions: alarmActions, OKActions: okActions, TreatMissingData: missing } = alarm.Properties;
      const functionName = alarm.Properties.AlarmName.replace('-error-rate-', '-');
      expect(metrics.filter((query: { MetricStat?: unknown }) => query.MetricStat).map((query: { MetricStat: { Metric: { MetricName: string; Dimensions: unknown } } }) => [query.MetricStat.Metric.MetricName, query.MetricStat.Metric.Dimensions]))
        .toEqual([['Errors', [{ Name: 'FunctionName', Value: functionName }]], ['Invocations', [{ Name: 'FunctionName', Value: functionName }]]]);
      expect(metrics.find((query: { ReturnData?: boolean }) => query.ReturnData).Expression).toMatch(/FILL\(errors, 0\)/);
      expect(missing).toBe('notBreaching');
      expect(alarmActions).toBeUndefined();
      expect(okActions).toBeUndefined();
    }

    const [composite] = Object.values(monitoring.findResources('AWS::CloudWatch::CompositeAlarm'));
    const rule = composite.Properties.AlarmRule['Fn::Join'][1] as unknown[];
    const children = rule.filter((part): part is { 'Fn::GetAtt': [string, string] } => typeof part === 'object').map((part) => part['Fn::GetAtt'][0]);
    expect(children.sort()).toEqual(perFunction.map(([logicalId]) => logicalId).sort());
    expect(rule.filter((part) => typeof part === 'string').join('|')).toMatch(/^\(ALARM\("(\|"\) OR ALARM\(")*\|"\)\)$/);
  });

  test('the dashboard\'s alarm status widget shows the composite error-rate alarm', () => {
    const [dashboard] = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'));
    const [composite] = Object.keys(monitoring.findResources('AWS::CloudWatch::CompositeAlarm'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('"type\\":\\"alarm\\"');
    expect(body).toContain(`{"Fn::GetAtt":["${composite}","Arn"]}`);
  });

  test('CloudWatch may publish to the topic, for this stage\'s alarms in this region and account only', () => {
    const [topicPolicy] = Object.values(monitoring.findResources('AWS::SNS::TopicPolicy'));
    expect(topicPolicy.Properties.PolicyDocument.Statement).toEqual(expect.arrayContaining([
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: expect.stringMatching(/^AlarmTopic[0-9A-F]{8}$/) },
        Condition: { ArnLike: { 'aws:SourceArn': ourAlarms }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]));
    // The pattern admits every alarm that notifies the topic.
    const notifying = [...Object.values(monitoring.findResources('AWS::CloudWatch::Alarm')), ...Object.values(monitoring.findResources('AWS::CloudWatch::CompositeAlarm'))]
      .filter((alarm) => alarm.Properties.AlarmActions || alarm.Properties.OKActions);
    expect(notifying.length).toBeGreaterThanOrEqual(4);
    for (const alarm of notifying) expect(`arn:aws:cloudwatch:us-west-2:123456789012:alarm:${alarm.Properties.AlarmName}`).toMatch(new RegExp(`^${ourAlarms.replace('*', '.*')}$`));
  });

  test('CloudWatch may use the topic\'s key to publish (GenerateDataKey and Decrypt, named exactly), for the same alarms', () => {
    const [key] = Object.values(monitoring.findResources('AWS::KMS::Key'));
    const forCloudWatch = (key.Properties.KeyPolicy.Statement as Record<string, any>[]).filter((statement) => statement.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(forCloudWatch).toEqual([expect.objectContaining({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { ArnLike: { 'aws:SourceArn': ourAlarms }, StringEquals: { 'aws:SourceAccount': '123456789012' } },
    })]);
    monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmTopicKey'), 'Arn'] } });
  });

  test('the post-deploy check has its own alarm: never-emitted metric, not breaching when missing, ALARM and OK to the topic', () => {
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'regionalapp-prod-alarm-path-check-us-west-2',
      MetricName: 'AlarmPathCheckNeverEmitted',
      Namespace: 'regionalapp-prod',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
    // The notifier knows it, to post its ALARM as an informational line and not post its OK.
    monitoring.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'regionalapp-prod-notifier-us-west-2',
      Environment: { Variables: Match.objectLike({ CHECK_ALARM_NAME: 'regionalapp-prod-alarm-path-check-us-west-2' }) },
    });
    // Nothing emits its metric: no handler names it.
    const lambdaDir = path.resolve(__dirname, '..', '..', 'lambda');
    const sources = [lambdaDir, path.join(lambdaDir, 'shared')].flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith('.ts')).map((name) => readFileSync(path.join(dir, name), 'utf8')));
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.some((source) => source.includes('AlarmPathCheckNeverEmitted'))).toBe(false);
  });

  test('the notifier is subscribed to the topic and may read only the webhook secret', () => {
    monitoring.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    const policy = JSON.stringify(policyStatements(monitoring));
    expect(policy).toMatch(/secretsmanager:GetSecretValue/);
    expect(policy).toMatch(new RegExp(`secret:${config.slack.webhookSecretName}`));
  });

  test('the dashboard shows functions, API, queues, logins, clicks and Slack deliveries', () => {
    const [dashboard] = Object.values(monitoring.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Lambda errors', 'User API requests and errors', 'Dead-lettered clicks', 'Logins', 'Clicks', 'Slack deliveries']) {
      expect(body).toContain(title);
    }
  });
});
