import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AdminCreateUserCommand, AdminSetUserPasswordCommand, CognitoIdentityProviderClient, CreateUserPoolClientCommand, CreateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LocalFunction } from '../../local/lambda-runtime';
import { IamPolicies } from '../../local/iam-policies';
import { MetricStore } from '../../local/metric-store';
import { LOCAL_ACCOUNT_ID, RegionProvisioner } from '../../local/provision';
import { readEdgeParameter } from '../../lib/edge-parameters';
import { RegionalApiDomain } from '../../lib/regional-api-domain';
import { AppWebAcl } from '../../lib/web-acl';
import { regionStacks, type LocalStack } from '../../local/templates';
import { sdkClients } from '../support/fake-emulators';

/**
 * The local environment's promise: changing a route, a table key or an env var in the CDK code
 * changes the local environment with no other edit. A small CDK app is synthesized as `cdk synth`
 * would, provisioned from its template against mocked emulators, and what the local region got is
 * checked against the app's own description — for the app as first written and after an edit.
 */

const REGION = 'eu-west-1';
const STACK_NAME = 'Probe';
const TABLE_NAME = 'probe-table';
const FUNCTION_TIMEOUT_SECONDS = 7;
const RULE_PATTERN = { source: ['probe.clicks'] };
const DEAD_LETTER_MAX_RECEIVES = 4;
const PARAMETERS = {
  userPoolId: '/probe/user-pool-id',
  apiUrl: '/probe/api-url',
  stageUrl: '/probe/stage-url',
  functionRoleArn: '/probe/function-role-arn',
} as const;
/** What earlier stacks published to the local SSM, as the SSM-typed template parameters read it. */
const PUBLISHED: Record<string, string> = {
  '/cdk-bootstrap/hnb659fds/version': '21',
  [PARAMETERS.userPoolId]: 'eu-west-1_Pr0beP00l',
};

/** The handler answers with what its execution environment was given. */
const HANDLER_SOURCE = `export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ routeKey: event.routeKey, greeting: process.env.GREETING, region: process.env.AWS_REGION }),
});
`;

interface RouteShape {
  readonly method: apigwv2.HttpMethod;
  readonly path: string;
  /** Needs a JWT from the user pool. */
  readonly protected: boolean;
}

/** The parts of the CDK app a developer edits; everything the tests expect is derived from it. */
interface AppShape {
  readonly routes: readonly RouteShape[];
  readonly greeting: string;
  readonly sortKey: string;
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** A route proxied to a URL, which the local gateway cannot serve. */
  readonly httpProxyPath?: string;
}

const AS_FIRST_WRITTEN: AppShape = {
  routes: [
    { method: apigwv2.HttpMethod.GET, path: '/hello', protected: false },
    { method: apigwv2.HttpMethod.POST, path: '/click', protected: true },
  ],
  greeting: 'hello',
  sortKey: 'sk',
  throttle: { rateLimit: 1, burstLimit: 2 },
};

const AFTER_AN_EDIT: AppShape = {
  routes: [...AS_FIRST_WRITTEN.routes, { method: apigwv2.HttpMethod.DELETE, path: '/clicks/{id}', protected: true }],
  greeting: 'bonjour',
  sortKey: 'clickedAt',
  throttle: { rateLimit: 1, burstLimit: 3 },
};

const routeKey = (route: RouteShape) => `${route.method} ${route.path}`;

/** The CDK app for `shape`: what a developer writes, in one stack. */
function defineApp(stack: Stack, shape: AppShape, codeDir: string): void {
  const fn = new lambda.Function(stack, 'GreetingFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    code: lambda.Code.fromAsset(codeDir),
    handler: 'index.handler',
    timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
    environment: { GREETING: shape.greeting },
  });

  const api = new apigwv2.HttpApi(stack, 'Api', { createDefaultStage: false });
  const stage = new apigwv2.HttpStage(stack, 'ApiStage', { httpApi: api, stageName: '$default', autoDeploy: true, throttle: shape.throttle });
  const userPoolId = ssm.StringParameter.valueForStringParameter(stack, PARAMETERS.userPoolId);
  const authorizer = new HttpJwtAuthorizer('Cognito', `https://cognito-idp.${REGION}.amazonaws.com/${userPoolId}`, { jwtAudience: ['probe-client'] });
  for (const route of shape.routes) {
    api.addRoutes({
      path: route.path,
      methods: [route.method],
      integration: new HttpLambdaIntegration(`${route.method}${route.path}`, fn),
      authorizer: route.protected ? authorizer : undefined,
    });
  }
  if (shape.httpProxyPath) {
    api.addRoutes({ path: shape.httpProxyPath, methods: [apigwv2.HttpMethod.GET], integration: new HttpUrlIntegration('Legacy', 'https://legacy.example.com') });
  }

  new dynamodb.TableV2(stack, 'Table', {
    tableName: TABLE_NAME,
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: shape.sortKey, type: dynamodb.AttributeType.STRING },
  });

  const deadLetters = new sqs.Queue(stack, 'DeadLetters');
  new sqs.Queue(stack, 'Work', { deadLetterQueue: { queue: deadLetters, maxReceiveCount: DEAD_LETTER_MAX_RECEIVES } });

  new events.Rule(stack, 'ClickRule', { eventPattern: RULE_PATTERN, targets: [new targets.LambdaFunction(fn)] });

  new ssm.StringParameter(stack, 'ApiUrl', { parameterName: PARAMETERS.apiUrl, stringValue: api.apiEndpoint });
  new ssm.StringParameter(stack, 'StageUrl', { parameterName: PARAMETERS.stageUrl, stringValue: stage.url });
  new ssm.StringParameter(stack, 'FunctionRoleArn', { parameterName: PARAMETERS.functionRoleArn, stringValue: fn.role!.roleArn });
}

const cloudwatch = mockClient(CloudWatchClient);
const cognito = mockClient(CognitoIdentityProviderClient);
const dynamodbMock = mockClient(DynamoDBClient);
const eventbridge = mockClient(EventBridgeClient);
const kinesis = mockClient(KinesisClient);
const s3 = mockClient(S3Client);
const sqsMock = mockClient(SQSClient);
const ssmMock = mockClient(SSMClient);
const mocks = [cloudwatch, cognito, dynamodbMock, eventbridge, kinesis, s3, sqsMock, ssmMock];

const clients = sdkClients(REGION);

/** moto server's queue URLs: `<endpoint>/<account>/<name>`. */
const emulatedQueueUrl = (name: string) => `http://localhost:5000/${LOCAL_ACCOUNT_ID}/${name}`;
const emulatedQueueArn = (url: string) => `arn:aws:sqs:${REGION}:${LOCAL_ACCOUNT_ID}:${url.split('/').pop()}`;

/** Answers as the emulators do, so every value the provisioner reads back is plausible. */
function emulatorsAnswer(): void {
  for (const mock of mocks) mock.reset();
  cloudwatch.on(PutMetricAlarmCommand).resolves({});
  cognito.on(CreateUserPoolCommand).callsFake((input) => ({
    UserPool: { Id: `${REGION}_Pr0beP00l`, Name: input.PoolName, Arn: `arn:aws:cognito-idp:${REGION}:${LOCAL_ACCOUNT_ID}:userpool/${REGION}_Pr0beP00l` },
  }));
  cognito.on(CreateUserPoolClientCommand).callsFake((input) => ({ UserPoolClient: { ClientId: 'probeclientid0123456789', ClientName: input.ClientName, UserPoolId: input.UserPoolId } }));
  cognito.on(AdminCreateUserCommand).resolves({ User: { Username: 'user' } });
  cognito.on(AdminSetUserPasswordCommand).resolves({});
  dynamodbMock.on(CreateTableCommand).callsFake((input) => ({
    TableDescription: {
      TableName: input.TableName,
      KeySchema: input.KeySchema,
      TableStatus: 'ACTIVE',
      LatestStreamArn: input.StreamSpecification ? `arn:aws:dynamodb:${REGION}:${LOCAL_ACCOUNT_ID}:table/${input.TableName}/stream/2024-05-01T00:00:00.000` : undefined,
    },
  }));
  dynamodbMock.on(UpdateTimeToLiveCommand).callsFake((input) => ({ TimeToLiveSpecification: input.TimeToLiveSpecification }));
  eventbridge.on(CreateEventBusCommand).callsFake((input) => ({ EventBusArn: `arn:aws:events:${REGION}:${LOCAL_ACCOUNT_ID}:event-bus/${input.Name}` }));
  eventbridge.on(PutRuleCommand).callsFake((input) => ({ RuleArn: `arn:aws:events:${REGION}:${LOCAL_ACCOUNT_ID}:rule/${input.Name}` }));
  eventbridge.on(PutTargetsCommand).resolves({ FailedEntryCount: 0, FailedEntries: [] });
  kinesis.on(CreateStreamCommand).resolves({});
  s3.on(CreateBucketCommand).callsFake((input) => ({ Location: `/${input.Bucket}` }));
  s3.on(PutBucketVersioningCommand).resolves({});
  s3.on(PutObjectCommand).resolves({ ETag: '"etag"' });
  s3.on(PutBucketNotificationConfigurationCommand).resolves({});
  sqsMock.on(CreateQueueCommand).callsFake((input) => ({ QueueUrl: emulatedQueueUrl(input.QueueName) }));
  sqsMock.on(GetQueueAttributesCommand).callsFake((input) => ({ Attributes: { QueueArn: emulatedQueueArn(input.QueueUrl) } }));
  ssmMock.on(GetParametersCommand).callsFake((input) => {
    const names: string[] = input.Names ?? [];
    return {
      Parameters: names.filter((name) => name in PUBLISHED).map((name) => ({ Name: name, Type: 'String', Value: PUBLISHED[name] })),
      InvalidParameters: names.filter((name) => !(name in PUBLISHED)),
    };
  });
  ssmMock.on(PutParameterCommand).resolves({ Version: 1, Tier: 'Standard' });
}

let workDir: string;
let logDir: string;
const synthesized = new Map<AppShape, LocalStack>();
const provisioners: RegionProvisioner[] = [];

/** Synthesizes a one-stack app as `cdk synth` does and reads the stack back as `npm start` does. */
function synthesize(name: string, define: (stack: Stack) => void): LocalStack {
  const outdir = path.join(workDir, `cdk.out-${name}`);
  const app = new App({ outdir });
  define(new Stack(app, STACK_NAME, { env: { account: '111111111111', region: REGION } }));
  app.synth();
  const stacks = regionStacks(outdir, REGION);
  expect(stacks.map((stack) => stack.stackName)).toEqual([STACK_NAME]);
  return stacks[0];
}

/** The app for `shape`, synthesized once. */
function stackFor(shape: AppShape): LocalStack {
  let stack = synthesized.get(shape);
  if (!stack) {
    stack = synthesize(`app-${synthesized.size}`, (scope) => defineApp(scope, shape, path.join(workDir, 'greeting-function')));
    synthesized.set(shape, stack);
  }
  return stack;
}

function newProvisioner(): RegionProvisioner {
  const provisioner = new RegionProvisioner({
    region: REGION,
    clients,
    metrics: new MetricStore(),
    logDir,
    runtimeEnvironment: { AWS_REGION: REGION },
    cognitoUrl: 'http://127.0.0.1:1',
    policies: new IamPolicies(LOCAL_ACCOUNT_ID),
  });
  provisioners.push(provisioner);
  return provisioner;
}

/** Provisions the app for `shape` as `npm start` does, into a fresh local region. */
async function provision(shape: AppShape): Promise<RegionProvisioner> {
  const provisioner = newProvisioner();
  await provisioner.provisionStack(stackFor(shape));
  return provisioner;
}

function onlyApi(provisioner: RegionProvisioner) {
  expect(provisioner.local.apis).toHaveLength(1);
  return provisioner.local.apis[0];
}

function onlyFunction(provisioner: RegionProvisioner): LocalFunction {
  const functions = [...provisioner.local.functions.values()];
  expect(functions).toHaveLength(1);
  return functions[0];
}

function parameterValue(name: string): string | undefined {
  const calls = ssmMock.commandCalls(PutParameterCommand).filter((call) => call.args[0].input.Name === name);
  expect(calls).toHaveLength(1);
  return calls[0].args[0].input.Value;
}

function createdQueue(namePart: string) {
  const calls = sqsMock.commandCalls(CreateQueueCommand).filter((call) => call.args[0].input.QueueName?.includes(namePart));
  expect(calls).toHaveLength(1);
  return { input: calls[0].args[0].input, url: emulatedQueueUrl(calls[0].args[0].input.QueueName!) };
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(tmpdir(), 'provision-test-'));
  logDir = path.join(workDir, 'logs');
  mkdirSync(logDir);
  mkdirSync(path.join(workDir, 'greeting-function'));
  writeFileSync(path.join(workDir, 'greeting-function', 'index.mjs'), HANDLER_SOURCE);
});
afterAll(() => {
  for (const mock of mocks) mock.restore();
  rmSync(workDir, { recursive: true, force: true });
});
beforeEach(emulatorsAnswer);
afterEach(async () => {
  for (const { local } of provisioners.splice(0)) {
    await Promise.all(local.apis.map((api) => api.close()));
    await Promise.all([...local.functions.values()].map((fn) => fn.stop()));
  }
});

describe.each([
  ['as first written', AS_FIRST_WRITTEN],
  ['after an edit to its routes, env var and sort key', AFTER_AN_EDIT],
])('a CDK app provisioned locally, %s', (_, shape) => {
  test('the local HTTP API serves exactly its routes, the protected ones behind the JWT authorizer', async () => {
    const api = onlyApi(await provision(shape));

    expect(api.routes.map((route) => route.routeKey).sort()).toEqual(shape.routes.map(routeKey).sort());
    expect(api.routes.filter((route) => route.authorizerId).map((route) => route.routeKey).sort())
      .toEqual(shape.routes.filter((route) => route.protected).map(routeKey).sort());
    const protectedRoute = shape.routes.find((route) => route.protected)!;
    const response = await fetch(`${api.url}${protectedRoute.path.replace('{id}', '42')}`, { method: protectedRoute.method });
    expect(response.status).toBe(401);
  });

  test('every route is integrated with the function, which answers with the env var from the CDK code', async () => {
    const provisioner = await provision(shape);
    const api = onlyApi(provisioner);
    const fn = onlyFunction(provisioner);

    for (const route of api.routes) expect(api.integrations.get(route.integrationId!)).toBe(fn.spec.arn);
    const publicRoute = shape.routes.find((route) => !route.protected)!;
    const response = await fetch(`${api.url}${publicRoute.path}`, { method: publicRoute.method });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ routeKey: routeKey(publicRoute), greeting: shape.greeting, region: REGION });
  });

  test('the stage throttle from the CDK code limits the local API', async () => {
    const api = onlyApi(await provision(shape));
    const protectedRoute = shape.routes.find((route) => route.protected)!;

    const statuses: number[] = [];
    for (let attempt = 0; attempt <= shape.throttle.burstLimit; attempt++) {
      statuses.push((await fetch(`${api.url}${protectedRoute.path.replace('{id}', '42')}`, { method: protectedRoute.method })).status);
    }
    expect(statuses).toEqual([...Array<number>(shape.throttle.burstLimit).fill(401), 429]);
  });

  test('the local function gets the template\'s env var, timeout and synthesized bundle', async () => {
    const { spec } = onlyFunction(await provision(shape));

    expect(spec.environment).toEqual(expect.objectContaining({ GREETING: shape.greeting, AWS_REGION: REGION }));
    expect(spec.timeoutSeconds).toBe(FUNCTION_TIMEOUT_SECONDS);
    expect(spec.handler).toBe('index.handler');
    expect(path.basename(spec.codeDir)).toMatch(/^asset\.[0-9a-f]{64}$/);
    expect(readFileSync(path.join(spec.codeDir, 'index.mjs'), 'utf8')).toBe(HANDLER_SOURCE);
  });

  test('the table is created with the key schema from the CDK code', async () => {
    await provision(shape);

    const tables = dynamodbMock.commandCalls(CreateTableCommand).map((call) => call.args[0].input);
    expect(tables).toHaveLength(1);
    expect(tables[0].TableName).toBe(TABLE_NAME);
    expect(tables[0].KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: shape.sortKey, KeyType: 'RANGE' }]);
    expect(tables[0].AttributeDefinitions).toEqual(expect.arrayContaining([{ AttributeName: shape.sortKey, AttributeType: 'S' }]));
  });

  test('the queue redrives to the local dead-letter queue after the CDK maxReceiveCount', async () => {
    const provisioner = await provision(shape);

    const work = createdQueue('-work');
    const deadLetters = createdQueue('-deadletters');
    const redrive = JSON.parse(work.input.Attributes!.RedrivePolicy!);
    expect(redrive.maxReceiveCount).toBe(DEAD_LETTER_MAX_RECEIVES);
    expect(provisioner.local.queueUrls.get(redrive.deadLetterTargetArn)).toBe(deadLetters.url);
  });

  test('the rule keeps its pattern and reaches the function through a local delivery queue', async () => {
    const provisioner = await provision(shape);
    const fn = onlyFunction(provisioner);

    const rules = eventbridge.commandCalls(PutRuleCommand).map((call) => call.args[0].input);
    expect(rules).toHaveLength(1);
    expect(JSON.parse(rules[0].EventPattern!)).toEqual(RULE_PATTERN);
    expect(provisioner.local.ruleDeliveries).toEqual([expect.objectContaining({ functionArn: fn.spec.arn })]);
    const [delivery] = provisioner.local.ruleDeliveries;
    const putTargets = eventbridge.commandCalls(PutTargetsCommand).map((call) => call.args[0].input);
    expect(putTargets).toEqual([expect.objectContaining({ Rule: rules[0].Name, Targets: [expect.objectContaining({ Arn: emulatedQueueArn(delivery.queueUrl) })] })]);
    expect(sqsMock.commandCalls(CreateQueueCommand).map((call) => emulatedQueueUrl(call.args[0].input.QueueName!))).toContain(delivery.queueUrl);
  });

  test('the parameters holding the API URL get the local URL, not an AWS one', async () => {
    const api = onlyApi(await provision(shape));

    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(parameterValue(PARAMETERS.apiUrl)).toBe(api.url);
    expect(parameterValue(PARAMETERS.stageUrl)).toBe(`${api.url}/`);
  });
});

describe('an edit to the CDK code', () => {
  test('changes the local routes, env var and table key with no other edit', async () => {
    const before = await provision(AS_FIRST_WRITTEN);
    const keysBefore = dynamodbMock.commandCalls(CreateTableCommand)[0].args[0].input.KeySchema;
    emulatorsAnswer();
    const after = await provision(AFTER_AN_EDIT);
    const keysAfter = dynamodbMock.commandCalls(CreateTableCommand)[0].args[0].input.KeySchema;

    const routesOf = (provisioner: RegionProvisioner) => onlyApi(provisioner).routes.map((route) => route.routeKey);
    expect(routesOf(before)).not.toContain('DELETE /clicks/{id}');
    expect(routesOf(after)).toContain('DELETE /clicks/{id}');
    expect(onlyFunction(before).spec.environment.GREETING).toBe('hello');
    expect(onlyFunction(after).spec.environment.GREETING).toBe('bonjour');
    expect(keysBefore).toContainEqual({ AttributeName: 'sk', KeyType: 'RANGE' });
    expect(keysAfter).toContainEqual({ AttributeName: 'clickedAt', KeyType: 'RANGE' });
  });
});

describe('template resources without local behaviour', () => {
  test('a custom domain (certificate, API domain and mapping, latency record, health check), a web ACL and a cross-region SSM read are inert, with the values others read', async () => {
    const names = { project: 'probe', stageName: 'test', region: REGION };
    const stack = synthesize('custom-domain', (scope) => {
      const api = new apigwv2.HttpApi(scope, 'Api', { createDefaultStage: false });
      const stage = new apigwv2.HttpStage(scope, 'Stage', { httpApi: api, stageName: '$default', autoDeploy: true });
      const domain = new RegionalApiDomain(scope, 'Domain', {
        names, api, stage, domain: { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.com' },
      });
      const acl = new AppWebAcl(scope, 'Acl', { scope: 'REGIONAL', name: 'probe', rateLimitPerFiveMinutes: 100 });
      const publish = (id: string, value: string) => new ssm.StringParameter(scope, id, { parameterName: `/probe/${id}`, stringValue: value });
      publish('domain-target', domain.domainName.regionalDomainName);
      publish('health-check', domain.healthCheck.healthCheckId);
      publish('web-acl', acl.webAclArn);
      publish('edge-value', readEdgeParameter(scope, names, 'web-acl-arn'));
    });
    const provisioner = newProvisioner();
    await provisioner.provisionStack(stack);

    expect([...provisioner.local.inert]).toEqual(expect.arrayContaining([
      'AWS::CertificateManager::Certificate', 'AWS::ApiGatewayV2::DomainName', 'AWS::ApiGatewayV2::ApiMapping',
      'AWS::Route53::HealthCheck', 'AWS::Route53::RecordSet', 'AWS::WAFv2::WebACL', 'Custom::AWS',
    ]));
    expect(parameterValue('/probe/domain-target')).toMatch(new RegExp(`\\.execute-api\\.${REGION}\\.amazonaws\\.com$`));
    expect(parameterValue('/probe/health-check')).toBeTruthy();
    expect(parameterValue('/probe/web-acl')).toMatch(/^arn:aws:wafv2:/);
    expect(parameterValue('/probe/edge-value')).toMatch(/^arn:/);
  });

  test('an IAM role is recorded as inert and still has an ARN other resources can use', async () => {
    const provisioner = await provision(AS_FIRST_WRITTEN);

    expect(provisioner.local.inert).toContain('AWS::IAM::Role');
    expect(parameterValue(PARAMETERS.functionRoleArn)).toMatch(new RegExp(`^arn:aws:iam:[^:]*:${LOCAL_ACCOUNT_ID}:role/.+`));
  });

  test('an integration the local gateway cannot serve stops provisioning, naming the stack, resource and type', async () => {
    const shape: AppShape = { ...AS_FIRST_WRITTEN, httpProxyPath: '/legacy' };
    const stack = stackFor(shape);
    const [logicalId] = Object.entries(stack.template.Resources ?? {})
      .find(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Integration' && resource.Properties?.IntegrationType === 'HTTP_PROXY')!;

    await expect(newProvisioner().provisionStack(stack))
      .rejects.toThrow(`Creating ${STACK_NAME}/${logicalId} (AWS::ApiGatewayV2::Integration) locally failed: only Lambda proxy integrations run locally`);
  });
});

describe('CloudFormation behaviour for what the CDK code leaves unnamed or defaulted', () => {
  test('a global table gets a replica in every region it lists, each with its stream and TTL, and goes to the replicator', async () => {
    const stack = synthesize('global-table', (scope) => {
      new dynamodb.TableV2(scope, 'Global', {
        tableName: 'global-data',
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
        timeToLiveAttribute: 'expiresAt',
        replicas: [{ region: 'us-west-2' }],
      });
    });
    // The class is mocked (dynamodbMock): the replica region's client answers through it too.
    const replicaDynamodb = new DynamoDBClient({ region: 'us-west-2' });
    const replicaFor = jest.fn((region: string) => (region === 'us-west-2' ? replicaDynamodb : undefined));
    const provisioner = new RegionProvisioner({
      region: REGION, clients, metrics: new MetricStore(), logDir, runtimeEnvironment: { AWS_REGION: REGION }, cognitoUrl: 'http://127.0.0.1:1', policies: new IamPolicies(LOCAL_ACCOUNT_ID),
      replicaDynamodb: replicaFor,
    });
    provisioners.push(provisioner);
    await provisioner.provisionStack(stack);

    expect(replicaFor).toHaveBeenCalledWith('us-west-2');
    const creates = dynamodbMock.commandCalls(CreateTableCommand).map((call) => call.args[0].input);
    expect(creates).toHaveLength(2);
    for (const create of creates) expect(create).toMatchObject({ TableName: 'global-data', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    expect(dynamodbMock.commandCalls(UpdateTimeToLiveCommand).map((call) => call.args[0].input.TimeToLiveSpecification)).toEqual([{ AttributeName: 'expiresAt', Enabled: true }, { AttributeName: 'expiresAt', Enabled: true }]);
    expect(provisioner.local.globalTables).toEqual([{ tableName: 'global-data', regions: expect.arrayContaining([REGION, 'us-west-2']) }]);
  });

  test('a global table with a replica in a region the local environment does not run stops provisioning, naming the region', async () => {
    const stack = synthesize('global-table-elsewhere', (scope) => {
      new dynamodb.TableV2(scope, 'Global', { tableName: 'global-data', partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, replicas: [{ region: 'ap-south-1' }] });
    });

    await expect(newProvisioner().provisionStack(stack)).rejects.toThrow(/global-data has a replica in ap-south-1, which this local environment does not run/);
  });

  test('two tables the CDK code leaves unnamed become two local tables, each with its own key', async () => {
    const stack = synthesize('unnamed-tables', (scope) => {
      new dynamodb.TableV2(scope, 'Orders', { partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING } });
      new dynamodb.TableV2(scope, 'Customers', { partitionKey: { name: 'customerId', type: dynamodb.AttributeType.STRING } });
    });
    await newProvisioner().provisionStack(stack);

    const names = dynamodbMock.commandCalls(CreateTableCommand).map((call) => call.args[0].input.TableName);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    expect(names).not.toContain('undefined');
  });

  test('a plain template parameter resolves to its default value', async () => {
    const stack = synthesize('plain-parameter', (scope) => {
      const userPoolId = new CfnParameter(scope, 'UserPoolId', { default: PUBLISHED[PARAMETERS.userPoolId] }).valueAsString;
      new ssm.StringParameter(scope, 'Issuer', { parameterName: '/probe/issuer', stringValue: `https://cognito-idp.${REGION}.amazonaws.com/${userPoolId}` });
    });
    await newProvisioner().provisionStack(stack);

    expect(parameterValue('/probe/issuer')).toBe(`https://cognito-idp.${REGION}.amazonaws.com/${PUBLISHED[PARAMETERS.userPoolId]}`);
  });
});

describe('permission checks AWS makes when a resource is created (L4), in the template\'s dependency order', () => {
  const queueAndFunction = (scope: Stack) => {
    const queue = new sqs.Queue(scope, 'Work', { visibilityTimeout: Duration.seconds(60) });
    const fn = new lambda.Function(scope, 'Worker', {
      runtime: lambda.Runtime.NODEJS_22_X, code: lambda.Code.fromAsset(path.join(workDir, 'greeting-function')), handler: 'index.handler', timeout: Duration.seconds(10),
    });
    return { queue, fn };
  };

  test('an SQS event source whose function role may not poll the queue is refused with Lambda\'s message', async () => {
    const stack = synthesize('esm-without-grant', (scope) => {
      const { queue, fn } = queueAndFunction(scope);
      new lambda.EventSourceMapping(scope, 'Mapping', { target: fn, eventSourceArn: queue.queueArn });
    });
    await expect(newProvisioner().provisionStack(stack))
      .rejects.toThrow(/AWS::Lambda::EventSourceMapping\) locally failed: InvalidParameterValueException: The provided execution role does not have permissions to call ReceiveMessage on SQS/);
  });

  test('the same event source with the grant CDK adds (SqsEventSource) is created', async () => {
    const stack = synthesize('esm-with-grant', (scope) => {
      const { queue, fn } = queueAndFunction(scope);
      fn.addEventSource(new SqsEventSource(queue));
    });
    const provisioner = newProvisioner();
    await provisioner.provisionStack(stack);
    expect(provisioner.local.eventSourceMappings).toHaveLength(1);
  });

  test('a function whose role may not send to its dead-letter queue is refused with Lambda\'s message', async () => {
    const stack = synthesize('dlq-without-grant', (scope) => {
      const { queue, fn } = queueAndFunction(scope);
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      cfn.deadLetterConfig = { targetArn: queue.queueArn };
    });
    await expect(newProvisioner().provisionStack(stack))
      .rejects.toThrow(/AWS::Lambda::Function\) locally failed: InvalidParameterValueException: The provided execution role does not have permissions to call SendMessage on SQS/);
  });
});
