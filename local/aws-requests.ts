/**
 * What an AWS SDK request asks IAM for (L2): from the signed HTTP request the SDK sends to an
 * emulator, the caller's access key, the region, and the IAM actions and resources AWS authorizes
 * it against. JSON-protocol services name the operation in `X-Amz-Target`; S3 in its method, path
 * and query. An operation missing from these tables cannot be evaluated and is denied, never
 * silently allowed; public operations (Cognito's InitiateAuth …) are not IAM-authorized by AWS
 * either and pass without a decision.
 */

interface AccessCheck {
  readonly action: string;
  readonly resource: string;
}

export interface RequestScope {
  readonly region: string;
  readonly accountId: string;
  /** A secret's ARN (it carries a random suffix) from the name or ARN a request names it by. */
  readonly secretArn: (secretId: string, region: string) => string | undefined;
}

export type ParsedRequest =
  | { readonly kind: 'evaluate'; readonly accessKeyId: string; readonly region: string; readonly service: string; readonly operation: string; readonly checks: readonly AccessCheck[] }
  | { readonly kind: 'public'; readonly service: string; readonly operation: string }
  | { readonly kind: 'unsigned'; readonly operation: string }
  | { readonly kind: 'unevaluable'; readonly accessKeyId: string; readonly region: string; readonly service: string; readonly operation: string; readonly reason: string };

type Input = Record<string, unknown>;
type Mapper = (input: Input, scope: RequestScope) => AccessCheck[];

const arnIn = (scope: RequestScope, service: string, resource: string) => `arn:aws:${service}:${scope.region}:${scope.accountId}:${resource}`;
const str = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new RequestShapeError(`the request has no ${what}`);
  return value;
};

class RequestShapeError extends Error {}

// DynamoDB ------------------------------------------------------------------------------------
const tableArn = (scope: RequestScope, name: unknown) => {
  const table = str(name, 'TableName');
  return table.startsWith('arn:') ? table : arnIn(scope, 'dynamodb', `table/${table}`);
};
const onTable = (action: string): Mapper => (input, scope) => [{
  action: `dynamodb:${action}`,
  resource: input.IndexName ? `${tableArn(scope, input.TableName)}/index/${str(input.IndexName, 'IndexName')}` : tableArn(scope, input.TableName),
}];
const perRequestedTable = (action: string): Mapper => (input, scope) =>
  Object.keys((input.RequestItems as Input | undefined) ?? {}).map((table) => ({ action: `dynamodb:${action}`, resource: tableArn(scope, table) }));
/** A transaction is authorized item by item, as the single-item action on each item's table. */
const TRANSACT_ACTIONS: Record<string, string> = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' };
const transaction: Mapper = (input, scope) => ((input.TransactItems as Input[] | undefined) ?? []).flatMap((item) =>
  Object.entries(item).map(([kind, operation]) => ({ action: `dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`, resource: tableArn(scope, (operation as Input).TableName) })));

const DYNAMODB: Record<string, Mapper> = {
  ...Object.fromEntries(['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'DescribeTable', 'DescribeTimeToLive'].map((name) => [name, onTable(name)])),
  BatchGetItem: perRequestedTable('BatchGetItem'),
  BatchWriteItem: perRequestedTable('BatchWriteItem'),
  TransactWriteItems: transaction,
  TransactGetItems: transaction,
};

// SSM -----------------------------------------------------------------------------------------
const parameterArn = (scope: RequestScope, name: unknown) => {
  const value = str(name, 'parameter Name');
  return value.startsWith('arn:') ? value : arnIn(scope, 'ssm', `parameter/${value.replace(/^\//, '')}`);
};
const SSM: Record<string, Mapper> = {
  GetParameter: (input, scope) => [{ action: 'ssm:GetParameter', resource: parameterArn(scope, input.Name) }],
  GetParameters: (input, scope) => ((input.Names as unknown[] | undefined) ?? []).map((name) => ({ action: 'ssm:GetParameters', resource: parameterArn(scope, name) })),
  GetParametersByPath: (input, scope) => [{ action: 'ssm:GetParametersByPath', resource: parameterArn(scope, input.Path) }],
  PutParameter: (input, scope) => [{ action: 'ssm:PutParameter', resource: parameterArn(scope, input.Name) }],
  DeleteParameter: (input, scope) => [{ action: 'ssm:DeleteParameter', resource: parameterArn(scope, input.Name) }],
};

// Secrets Manager -----------------------------------------------------------------------------
const onSecret = (action: string): Mapper => (input, scope) => {
  const id = str(input.SecretId, 'SecretId');
  const resource = scope.secretArn(id, scope.region);
  if (!resource) throw new RequestShapeError(`no local secret ${id}`);
  return [{ action: `secretsmanager:${action}`, resource }];
};
const SECRETS: Record<string, Mapper> = Object.fromEntries(['GetSecretValue', 'DescribeSecret', 'PutSecretValue'].map((name) => [name, onSecret(name)]));

// Cognito -------------------------------------------------------------------------------------
const onUserPool = (action: string): Mapper => (input, scope) => [{ action: `cognito-idp:${action}`, resource: arnIn(scope, 'cognito-idp', `userpool/${str(input.UserPoolId, 'UserPoolId')}`) }];
const COGNITO: Record<string, Mapper> = Object.fromEntries(
  ['AdminCreateUser', 'AdminDeleteUser', 'AdminSetUserPassword', 'AdminGetUser', 'AdminInitiateAuth', 'AdminUpdateUserAttributes', 'AdminDisableUser', 'AdminEnableUser', 'ListUsers', 'DescribeUserPool', 'DescribeUserPoolClient']
    .map((name) => [name, onUserPool(name)]),
);
/** Cognito operations AWS does not authorize with IAM: the app client or the user's token is the credential. */
const COGNITO_PUBLIC = new Set(['InitiateAuth', 'RespondToAuthChallenge', 'SignUp', 'ConfirmSignUp', 'ForgotPassword', 'ConfirmForgotPassword', 'GetUser', 'GlobalSignOut', 'ChangePassword', 'RevokeToken']);

// EventBridge ---------------------------------------------------------------------------------
const busArn = (scope: RequestScope, name: unknown) => {
  const bus = typeof name === 'string' && name !== '' ? name : 'default';
  return bus.startsWith('arn:') ? bus : arnIn(scope, 'events', `event-bus/${bus}`);
};
const EVENTS: Record<string, Mapper> = {
  PutEvents: (input, scope) => [...new Set(((input.Entries as Input[] | undefined) ?? []).map((entry) => busArn(scope, entry.EventBusName)))].map((resource) => ({ action: 'events:PutEvents', resource })),
};

// SQS -----------------------------------------------------------------------------------------
const queueArn = (scope: RequestScope, input: Input) => {
  const name = input.QueueName !== undefined ? str(input.QueueName, 'QueueName') : new URL(str(input.QueueUrl, 'QueueUrl')).pathname.split('/').pop()!;
  return arnIn(scope, 'sqs', name);
};
/** SQS authorizes a batch as its single-message action. */
const SQS_ACTIONS: Record<string, string> = {
  SendMessage: 'SendMessage', SendMessageBatch: 'SendMessage', ReceiveMessage: 'ReceiveMessage', DeleteMessage: 'DeleteMessage', DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibility: 'ChangeMessageVisibility', ChangeMessageVisibilityBatch: 'ChangeMessageVisibility', GetQueueAttributes: 'GetQueueAttributes', GetQueueUrl: 'GetQueueUrl', PurgeQueue: 'PurgeQueue',
};
const SQS: Record<string, Mapper> = Object.fromEntries(Object.entries(SQS_ACTIONS).map(([operation, action]) => [operation, (input, scope) => [{ action: `sqs:${action}`, resource: queueArn(scope, input) }]]));

// Kinesis -------------------------------------------------------------------------------------
const onStream = (action: string): Mapper => (input, scope) => [{
  action: `kinesis:${action}`,
  resource: typeof input.StreamARN === 'string' ? input.StreamARN : arnIn(scope, 'kinesis', `stream/${str(input.StreamName, 'StreamName')}`),
}];
const KINESIS: Record<string, Mapper> = Object.fromEntries(['PutRecord', 'PutRecords', 'DescribeStream', 'DescribeStreamSummary', 'ListShards', 'GetShardIterator'].map((name) => [name, onStream(name)]));

// CloudWatch ----------------------------------------------------------------------------------
const alarmArn = (scope: RequestScope, name: unknown) => arnIn(scope, 'cloudwatch', `alarm:${str(name, 'AlarmName')}`);
const CLOUDWATCH: Record<string, Mapper> = {
  SetAlarmState: (input, scope) => [{ action: 'cloudwatch:SetAlarmState', resource: alarmArn(scope, input.AlarmName) }],
  DescribeAlarms: (input, scope) => {
    const names = (input.AlarmNames as unknown[] | undefined) ?? [];
    return names.length > 0 ? names.map((name) => ({ action: 'cloudwatch:DescribeAlarms', resource: alarmArn(scope, name) })) : [{ action: 'cloudwatch:DescribeAlarms', resource: arnIn(scope, 'cloudwatch', 'alarm:*') }];
  },
  PutMetricData: () => [{ action: 'cloudwatch:PutMetricData', resource: '*' }],
  GetMetricData: () => [{ action: 'cloudwatch:GetMetricData', resource: '*' }],
};

/** JSON-protocol services: the SigV4 signing name, the `X-Amz-Target` prefix, the IAM prefix and operations. */
const JSON_SERVICES: Record<string, { readonly target: string; readonly prefix: string; readonly operations: Record<string, Mapper>; readonly publicOperations?: ReadonlySet<string> }> = {
  dynamodb: { target: 'DynamoDB_20120810', prefix: 'dynamodb', operations: DYNAMODB },
  ssm: { target: 'AmazonSSM', prefix: 'ssm', operations: SSM },
  secretsmanager: { target: 'secretsmanager', prefix: 'secretsmanager', operations: SECRETS },
  'cognito-idp': { target: 'AWSCognitoIdentityProviderService', prefix: 'cognito-idp', operations: COGNITO, publicOperations: COGNITO_PUBLIC },
  events: { target: 'AWSEvents', prefix: 'events', operations: EVENTS },
  sqs: { target: 'AmazonSQS', prefix: 'sqs', operations: SQS },
  kinesis: { target: 'Kinesis_20131202', prefix: 'kinesis', operations: KINESIS },
  monitoring: { target: 'GraniteServiceVersion20100801', prefix: 'cloudwatch', operations: CLOUDWATCH },
};

/** What each evaluated service supports, for the start-up summary and the README. */
export function evaluatedOperations(): Record<string, string[]> {
  return {
    ...Object.fromEntries(Object.values(JSON_SERVICES).map((service) => [service.prefix, Object.keys(service.operations)])),
    s3: ['GetObject', 'HeadObject', 'PutObject', 'DeleteObject', 'CopyObject', 'ListObjects(V2)'],
  };
}

export function publicOperations(): string[] {
  return Object.values(JSON_SERVICES).flatMap((service) => [...(service.publicOperations ?? [])].map((operation) => `${service.prefix}:${operation}`));
}

/** The credential scope of a SigV4 `Authorization` header (or a presigned URL's X-Amz-Credential). */
function credentialScope(headers: Readonly<Record<string, string | string[] | undefined>>, url: URL): { accessKeyId: string; region: string; service: string } | undefined {
  const header = headers.authorization;
  const credential = (typeof header === 'string' ? /Credential=([^,\s]+)/.exec(header)?.[1] : undefined) ?? url.searchParams.get('X-Amz-Credential') ?? undefined;
  const [accessKeyId, , region, service] = credential?.split('/') ?? [];
  return accessKeyId && region && service ? { accessKeyId, region, service } : undefined;
}

export function parseAwsRequest(method: string, rawUrl: string, headers: Readonly<Record<string, string | string[] | undefined>>, body: Buffer, scope: Omit<RequestScope, 'region'>): ParsedRequest {
  const url = new URL(rawUrl, 'http://local');
  const target = typeof headers['x-amz-target'] === 'string' ? headers['x-amz-target'] : undefined;
  const signed = credentialScope(headers, url);
  const operation = target?.split('.').pop() ?? `${method} ${url.pathname}`;
  const jsonService = target ? Object.entries(JSON_SERVICES).find(([, service]) => target.startsWith(`${service.target}.`)) : undefined;
  if (jsonService?.[1].publicOperations?.has(operation)) return { kind: 'public', service: jsonService[1].prefix, operation };
  if (!signed) return { kind: 'unsigned', operation };
  const regional: RequestScope = { ...scope, region: signed.region };
  const unevaluable = (reason: string): ParsedRequest => ({ kind: 'unevaluable', ...signed, operation, reason });
  try {
    if (signed.service === 's3') {
      const checks = s3Checks(method, url, headers);
      return checks ? { kind: 'evaluate', ...signed, operation: checks[0].action.split(':')[1], checks } : unevaluable(`no IAM mapping for S3 ${method} ${url.pathname}${url.search}`);
    }
    const service = JSON_SERVICES[signed.service];
    const mapper = service && target?.startsWith(`${service.target}.`) ? service.operations[operation] : undefined;
    if (!mapper) return unevaluable(`no IAM mapping for ${service?.prefix ?? signed.service}:${operation}`);
    const checks = mapper(JSON.parse(body.toString('utf8') || '{}') as Input, regional);
    return checks.length > 0 ? { kind: 'evaluate', ...signed, operation, checks } : unevaluable(`${operation} names no resource`);
  } catch (error) {
    return unevaluable(error instanceof RequestShapeError || error instanceof SyntaxError ? error.message : String(error));
  }
}

/** Path-style S3 requests (the SDK uses them against an IP endpoint): `/<bucket>/<key>`. */
function s3Checks(method: string, url: URL, headers: Readonly<Record<string, string | string[] | undefined>>): AccessCheck[] | undefined {
  const [, bucket, ...keyParts] = url.pathname.split('/');
  if (!bucket) return undefined;
  const key = keyParts.map(decodeURIComponent).join('/');
  const object = `arn:aws:s3:::${bucket}/${key}`;
  const query = [...url.searchParams.keys()].filter((name) => !name.startsWith('x-id') && !name.startsWith('X-Amz-'));
  if (key === '') {
    if (method === 'GET' && query.every((name) => ['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'marker'].includes(name))) {
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` }];
    }
    return undefined;
  }
  if (query.length > 0) return undefined;
  switch (method) {
    case 'GET':
    case 'HEAD':
      return [{ action: 's3:GetObject', resource: object }];
    case 'PUT': {
      const source = headers['x-amz-copy-source'];
      const checks = [{ action: 's3:PutObject', resource: object }];
      if (typeof source === 'string') checks.push({ action: 's3:GetObject', resource: `arn:aws:s3:::${decodeURIComponent(source.replace(/^\//, '').split('?')[0])}` });
      return checks;
    }
    case 'DELETE':
      return [{ action: 's3:DeleteObject', resource: object }];
    default:
      return undefined;
  }
}
