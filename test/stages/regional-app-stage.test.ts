import { Stack } from 'aws-cdk-lib';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE } from '../../lambda/shared/click-event';
import { HANDLERS } from '../../lib/handler-bundles';
import { RESERVED_CONCURRENCY } from '../../lib/limits';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { projectApp } from '../support/synth';

const config = deployableConfig({ appRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] });
const app = projectApp();
const stages = config.appRegions.map((region) => new RegionalAppStage(app, `RegionalApp-${region}`, { config, region }));
const [stageA, stageB] = stages;
const stackOf = (stage: RegionalAppStage, id: string) => stage.node.findChild(id) as Stack;
const template = (stage: RegionalAppStage, id: string) => Template.fromStack(stackOf(stage, id));

const api = template(stageB, 'Api');
const events = template(stageB, 'Events');
const monitoring = template(stageB, 'Monitoring');

/** Every Allow statement of every IAM policy in a template. */
function statements(t: Template): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('RegionalApp stage', () => {
  test('has a stack per concern in its own region; analytics only in region A', () => {
    const ids = (stage: RegionalAppStage) => stage.node.children.filter((child) => child instanceof Stack).map((child) => child.node.id).sort();
    expect(ids(stageA)).toEqual(['Analytics', 'Api', 'Data', 'Events', 'Identity', 'Monitoring', 'Site', 'SiteContent', 'Slack']);
    expect(ids(stageB)).toEqual(['Api', 'Data', 'Events', 'Identity', 'Monitoring', 'Site', 'SiteContent', 'Slack']);
    for (const [index, stage] of stages.entries()) {
      for (const stack of stage.node.children.filter((child): child is Stack => child instanceof Stack)) {
        expect(stack.region).toBe(config.appRegions[index]);
      }
    }
  });

  test('stacks are ordered by dependency, never coupled by exports', () => {
    const dependencies = (id: string) => stackOf(stageB, id).dependencies.map((stack) => stack.node.id).sort();
    expect(dependencies('Api')).toEqual(['Data', 'Events', 'Identity', 'Site']);
    expect(dependencies('SiteContent')).toEqual(['Api', 'Site']);
    for (const id of ['Api', 'Events', 'Monitoring', 'SiteContent']) {
      expect(JSON.stringify(template(stageB, id).toJSON())).not.toMatch(/Fn::ImportValue/);
    }
  });

  test('every region runs the same handler bundles (bundled once)', () => {
    const codeOf = (stage: RegionalAppStage) => Object.values(template(stage, 'Api').findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Code.S3Key).sort();
    expect(codeOf(stageA)).toEqual(codeOf(stageB));
  });

  test('resources carry the project, stage and region tags (A20)', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([{ Key: 'project', Value: 'regionalapp' }, { Key: 'region', Value: 'us-west-2' }, { Key: 'stage', Value: 'prod' }]),
    });
  });

  test('every function is arm64 Node 24 with reserved concurrency and its own log group (A17, A18)', () => {
    const functions = [...stages.slice(0, 2).flatMap((stage) => ['Api', 'Events', 'Monitoring', 'Slack'].map((id) => template(stage, id)))]
      .flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')))
      .filter((fn) => String(fn.Properties.FunctionName ?? '').startsWith('regionalapp-'));
    expect(functions).toHaveLength(HANDLERS.length * 2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], LoggingConfig: { LogFormat: 'JSON' } });
      const handler = String(fn.Properties.FunctionName).replace(/^regionalapp-prod-/, '').replace(/-(us-east-1|us-west-2)$/, '');
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(RESERVED_CONCURRENCY[handler as keyof typeof RESERVED_CONCURRENCY]);
    }
  });

  test('no function role uses an AWS managed policy, and no statement grants a wildcard action', () => {
    for (const id of ['Api', 'Events', 'Monitoring']) {
      const t = template(stageB, id);
      const functionRoles = Object.entries(t.findResources('AWS::IAM::Role')).filter(([logicalId]) => /FunctionRole/.test(logicalId));
      expect(functionRoles.length).toBeGreaterThan(0);
      for (const [, role] of functionRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      for (const statement of statements(t)) expect(JSON.stringify(statement.Action)).not.toContain('*');
    }
  });
});

describe('Data stack (A2)', () => {
  const dataA = template(stageA, 'Data');

  test('region A owns the global table, with a replica in every other app region', () => {
    dataA.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'regionalapp-prod-data',
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byStatus' })],
    });
    const [table] = Object.values(dataA.findResources('AWS::DynamoDB::GlobalTable'));
    const replicas = table.Properties.Replicas as { Region: string; PointInTimeRecoverySpecification?: unknown }[];
    expect(replicas.map((replica) => replica.Region).sort()).toEqual(['eu-west-1', 'us-east-1', 'us-west-2']);
    for (const replica of replicas) expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(replicas.find((replica) => replica.Region === 'us-east-1')).toMatchObject({ KinesisStreamSpecification: { StreamArn: { 'Fn::GetAtt': [expect.stringMatching(/^ChangeStream/), 'Arn'] } } });
  });

  test('other regions do not create a table, only publish its name', () => {
    const dataB = template(stageB, 'Data');
    dataB.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
    dataB.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/data/table-name', Value: 'regionalapp-prod-data' });
  });

  test('the change stream is encrypted (A11, A16)', () => {
    dataA.hasResourceProperties('AWS::Kinesis::Stream', { StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' } });
  });
});

describe('Identity stack (A3)', () => {
  const identity = template(stageB, 'Identity');

  test('the user pool has no self sign-up and a strong password policy', () => {
    identity.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
    });
  });

  test('the app client allows USER_PASSWORD_AUTH and SRP, without a secret', () => {
    identity.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
  });
});

describe('Api stack (A4)', () => {
  test('public routes are /health, /login and /regions; every other route needs the region\'s Cognito JWT', () => {
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route')).map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType ?? 'NONE']);
    expect(routes.sort()).toEqual([
      ['GET /health', 'NONE'],
      ['GET /hello', 'JWT'],
      ['GET /regions', 'NONE'],
      ['GET /views', 'JWT'],
      ['POST /click', 'JWT'],
      ['POST /login', 'NONE'],
    ]);
    api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
    });
  });

  test('every route is throttled, login hardest, and the stage writes JSON access logs', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: {
        'GET /health': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5 },
        'POST /login': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        'GET /hello': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
        'POST /click': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
        'GET /views': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 10 },
        'GET /regions': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5 },
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"status":"\\$context.status"') },
    });
  });

  test('CORS lets every region\'s page call this API (failover, A21), without credentials', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'], AllowMethods: ['GET', 'POST'], AllowCredentials: Match.absent() }),
    });
  });

  test('each function may do exactly what it needs', () => {
    const byRole = Object.entries(api.findResources('AWS::IAM::Policy')).map(([id, policy]) => [id, JSON.stringify(policy.Properties.PolicyDocument.Statement)]);
    const policyOf = (prefix: string) => byRole.find(([id]) => id.startsWith(prefix))?.[1] ?? '';
    expect(policyOf('LoginFunctionRole')).toMatch(/"dynamodb:PutItem"/);
    expect(policyOf('LoginFunctionRole')).toMatch(/"cognito-idp:InitiateAuth"/);
    expect(policyOf('ClickFunctionRole')).toMatch(/"events:PutEvents"/);
    expect(policyOf('ClickFunctionRole')).toMatch(/images\/clicked.svg/);
    expect(policyOf('HelloFunctionRole')).toMatch(/images\/hello.svg/);
    expect(policyOf('ViewsFunctionRole')).not.toMatch(/PutItem|UpdateItem/);
    expect(policyOf('HealthFunctionRole')).not.toMatch(/dynamodb|s3:|events:/);
    // GET /regions reads exactly the API URL parameter, in each app region.
    const regions = JSON.parse(policyOf('RegionsFunctionRole') || '[]') as { Action: unknown; Resource: unknown }[];
    const ssm = regions.find((statement) => statement.Action === 'ssm:GetParameter');
    expect(JSON.stringify(ssm?.Resource)).toMatch(/:ssm:us-east-1:.*parameter\/regionalapp\/prod\/api\/url/);
    expect(JSON.stringify(ssm?.Resource)).toMatch(/:ssm:us-west-2:.*parameter\/regionalapp\/prod\/api\/url/);
    expect(policyOf('RegionsFunctionRole')).not.toMatch(/dynamodb|s3:|events:|ssm:PutParameter/);
  });

  test('publishes its URL as an SSM parameter and a stack output, never an export', () => {
    api.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/api/url', Type: 'String' });
    api.hasOutput('ApiUrl', { Export: Match.absent() });
  });
});

describe('Events stack (A9, A10, A19)', () => {
  test('the click rule sends click events to the counter with a retry policy and an SQS dead-letter queue', () => {
    events.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [CLICK_EVENT_SOURCE], 'detail-type': [CLICK_EVENT_DETAIL_TYPE] },
      Targets: [Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClickDlq'), 'Arn'] } },
      })],
    });
  });

  test('the DLQ replayer reports partial batch failures; what keeps failing moves on to a final queue', () => {
    events.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    events.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'regionalapp-prod-click-dlq-us-west-2',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
  });

  test('every queue is encrypted and TLS-only (A16)', () => {
    const queues = Object.values(events.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(Object.keys(events.findResources('AWS::SQS::QueuePolicy'))).toHaveLength(3);
  });

  test('.json and .csv files in the ingest bucket invoke the ingest function', () => {
    events.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json' }] } } }),
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } } }),
        ],
      },
    });
  });
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
    const policy = JSON.stringify(statements(monitoring));
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

describe('Site stacks (A1)', () => {
  const site = template(stageB, 'Site');

  test('the site bucket is private, encrypted, versioned, TLS-only and logged', () => {
    site.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site-bucket/' }),
    });
  });

  test('CloudFront serves it through Origin Access Control over HTTPS, with security headers and a 404 page', () => {
    site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        CustomErrorResponses: Match.arrayWith([Match.objectLike({ ErrorCode: 404, ResponsePagePath: '/404.html' })]),
      }),
    });
  });

  test('the content stack deploys site/ and a config.json naming the region and its API', () => {
    const [deployment] = Object.values(template(stageB, 'SiteContent').findResources('Custom::CDKBucketDeployment'));
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    expect(JSON.stringify(deployment.Properties.SourceMarkers)).toMatch(/SsmParameterValueregionalappprodapiurl/);
  });
});
