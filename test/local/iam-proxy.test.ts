import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { parseAwsRequest } from '../../local/aws-requests';
import { IamPolicies, roleArnOf } from '../../local/iam-policies';
import { IamProxy, type ProxyEvent } from '../../local/iam-proxy';
import { closeServer, listenLocally } from '../../local/local-server';

/**
 * The IAM-enforcing proxy in front of the emulators (L2), driven by real SDK clients: what the SDK
 * sends is parsed into IAM actions, a denied call never reaches the emulator and the SDK receives
 * the service's own AccessDenied error naming the caller, action and resource; an allowed call is
 * forwarded unchanged.
 */

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/data`;
const ROLE = roleArnOf(ACCOUNT, 'click-role');

let upstream: Server;
let upstreamUrl: string;
let seen: { method: string; url: string; target?: string; authorization?: string }[];
let proxy: IamProxy;
let proxyUrl: string;
let events: ProxyEvent[];
let policies: IamPolicies;

function answerAsEmulator(request: IncomingMessage, body: string): { status: number; type: string; body: string } {
  const target = request.headers['x-amz-target'];
  if (target === 'DynamoDB_20120810.GetItem') return { status: 200, type: 'application/x-amz-json-1.0', body: JSON.stringify({ Item: { pk: { S: 'a' } } }) };
  if (target === 'DynamoDB_20120810.Query') return { status: 200, type: 'application/x-amz-json-1.0', body: JSON.stringify({ Items: [], Count: 0 }) };
  if (typeof target === 'string' && target.startsWith('AWSCognitoIdentityProviderService.')) return { status: 200, type: 'application/x-amz-json-1.1', body: JSON.stringify({ AuthenticationResult: {} }) };
  return { status: 200, type: 'application/json', body: body.length > 0 ? '{}' : '' };
}

beforeAll(async () => {
  upstream = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, target: request.headers['x-amz-target'] as string | undefined, authorization: request.headers.authorization });
      const answer = answerAsEmulator(request, Buffer.concat(chunks).toString());
      response.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
    });
  });
  upstreamUrl = await listenLocally(upstream);
});

afterAll(async () => {
  await closeServer(upstream);
});

beforeEach(async () => {
  seen = [];
  events = [];
  policies = new IamPolicies(ACCOUNT);
  policies.addRole(ROLE, [{
    PolicyName: 'counter',
    PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [TABLE_ARN, `${TABLE_ARN}/index/*`] }] },
  }]);
  proxy = new IamProxy({ target: upstreamUrl, policies, secretArn: () => undefined, onEvent: (event) => events.push(event) });
  proxyUrl = await proxy.listen();
});

afterEach(async () => {
  await proxy.close();
});

type SdkError = Error & { $metadata: { httpStatusCode: number } };

/** The error a call fails with; a call that succeeds fails the test. */
async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded, but it should have been denied');
}

function clientConfig(roleArn = ROLE) {
  const session = policies.session(roleArn, 'fn');
  return { region: REGION, endpoint: proxyUrl, credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken } };
}

test('an allowed call reaches the emulator and its answer reaches the caller', async () => {
  const db = new DynamoDBClient(clientConfig());
  const { Item } = await db.send(new GetItemCommand({ TableName: 'data', Key: { pk: { S: 'a' } } }));
  expect(Item).toEqual({ pk: { S: 'a' } });
  await db.send(new QueryCommand({ TableName: 'data', IndexName: 'byStatus', KeyConditionExpression: 'x = :x', ExpressionAttributeValues: { ':x': { S: 'y' } } }));
  expect(seen.map((request) => request.target)).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.Query']);
});

test('a call the role may not make gets DynamoDB\'s AccessDeniedException naming caller, action and resource, and never reaches the emulator', async () => {
  const db = new DynamoDBClient(clientConfig());
  const error = await rejection(db.send(new PutItemCommand({ TableName: 'data', Item: { pk: { S: 'a' } } })));
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('AccessDeniedException');
  expect(error.message).toBe(`User: arn:aws:sts::${ACCOUNT}:assumed-role/click-role/fn is not authorized to perform: dynamodb:PutItem on resource: ${TABLE_ARN} because no identity-based policy allows the dynamodb:PutItem action`);
  expect(error.$metadata.httpStatusCode).toBe(400);
  expect(seen).toEqual([]);
  expect(events).toEqual([expect.objectContaining({ decision: 'denied', operation: 'PutItem' })]);
});

test('S3 answers a denied GetObject with a 403 AccessDenied', async () => {
  const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
  const error = await rejection(s3.send(new GetObjectCommand({ Bucket: 'site', Key: 'images/hello.svg' })));
  expect(error.name).toBe('AccessDenied');
  expect(error.message).toContain('is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::site/images/hello.svg');
  expect(error.$metadata.httpStatusCode).toBe(403);
  expect(seen).toEqual([]);
});

test('an SQS batch is authorized as sqs:SendMessage, and its denial carries the Query error code', async () => {
  const sqs = new SQSClient(clientConfig());
  const error = await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: `${proxyUrl}/${ACCOUNT}/click-dlq`, Entries: [{ Id: '1', MessageBody: '{}' }] })));
  expect(error.message).toContain(`not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:${REGION}:${ACCOUNT}:click-dlq`);
  expect(['AccessDenied', 'AccessDeniedException']).toContain(error.name);
  expect(seen).toEqual([]);
});

test('credentials no role owns are refused as AWS refuses an unknown access key', async () => {
  const db = new DynamoDBClient({ region: REGION, endpoint: proxyUrl, credentials: { accessKeyId: 'AKIAFORGED', secretAccessKey: 'x' } });
  const error = await rejection(db.send(new GetItemCommand({ TableName: 'data', Key: { pk: { S: 'a' } } })));
  expect(error.name).toBe('UnrecognizedClientException');
  expect(error.message).toBe('The security token included in the request is invalid.');
  expect(seen).toEqual([]);
});

test('Cognito\'s InitiateAuth is not IAM-authorized (in AWS neither): it passes unsigned', async () => {
  const cognito = new CognitoIdentityProviderClient({ region: REGION, endpoint: proxyUrl });
  await cognito.send(new InitiateAuthCommand({ ClientId: 'client', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'a', PASSWORD: 'b' } }));
  expect(seen.map((request) => request.target)).toEqual(['AWSCognitoIdentityProviderService.InitiateAuth']);
});

describe('a region\'s DynamoDB endpoint', () => {
  let regional: IamProxy;
  let regionalUrl: string;

  beforeEach(async () => {
    regional = new IamProxy({ target: upstreamUrl, policies, secretArn: () => undefined, onEvent: (event) => events.push(event), region: REGION, databaseAccessKey: 'local' });
    regionalUrl = await regional.listen();
  });

  afterEach(async () => {
    await regional.close();
  });

  test('reaches the region\'s database under the one key DynamoDB Local keeps it under, whoever signed', async () => {
    const db = new DynamoDBClient({ ...clientConfig(), endpoint: regionalUrl });
    await db.send(new GetItemCommand({ TableName: 'data', Key: { pk: { S: 'a' } } }));
    expect(seen).toHaveLength(1);
    expect(seen[0].authorization).toMatch(new RegExp(`Credential=local/\\d{8}/${REGION}/dynamodb/aws4_request`));
  });

  test('refuses a request signed for another region, as AWS refuses a credential scoped to the wrong region, and forwards nothing', async () => {
    const db = new DynamoDBClient({ ...clientConfig(), endpoint: regionalUrl, region: 'us-west-2' });
    const error = await rejection(db.send(new GetItemCommand({ TableName: 'data', Key: { pk: { S: 'a' } } })));
    expect(error.name).toBe('InvalidSignatureException');
    expect(error.message).toContain("Credential should be scoped to a valid region, not 'us-west-2'");
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(seen).toHaveLength(0);
  });
});

describe('parseAwsRequest', () => {
  const scope = { accountId: ACCOUNT, secretArn: (id: string) => (id === 'webhook' ? `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:webhook-AbCdEf` : undefined) };
  const signed = { authorization: `AWS4-HMAC-SHA256 Credential=ASIAKEY/20261202/${REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=x` };
  const json = (service: string, target: string, body: unknown) => parseAwsRequest('POST', '/', {
    authorization: signed.authorization.replace('/dynamodb/', `/${service}/`), 'x-amz-target': target,
  }, Buffer.from(JSON.stringify(body)), scope);

  test('a transaction is authorized item by item, as each item\'s own action on its table', () => {
    const parsed = json('dynamodb', 'DynamoDB_20120810.TransactWriteItems', {
      TransactItems: [{ Put: { TableName: 'data', Item: {} } }, { Update: { TableName: 'data', Key: {} } }, { ConditionCheck: { TableName: 'other', Key: {} } }],
    });
    expect(parsed).toMatchObject({ kind: 'evaluate', checks: [
      { action: 'dynamodb:PutItem', resource: TABLE_ARN },
      { action: 'dynamodb:UpdateItem', resource: TABLE_ARN },
      { action: 'dynamodb:ConditionCheckItem', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/other` },
    ] });
  });

  test('a secret named by its name is authorized on its full ARN; SSM parameters on their path', () => {
    expect(json('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'webhook' })).toMatchObject({ checks: [{ action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:webhook-AbCdEf` }] });
    expect(json('ssm', 'AmazonSSM.GetParameter', { Name: '/app/prod/table' })).toMatchObject({ checks: [{ action: 'ssm:GetParameter', resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/table` }] });
    expect(json('monitoring', 'GraniteServiceVersion20100801.SetAlarmState', { AlarmName: 'a' })).toMatchObject({ checks: [{ action: 'cloudwatch:SetAlarmState', resource: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:a` }] });
  });

  test('a PutParameter signed for another region is authorized on that region\'s parameter (the Slack command writes any region\'s flag)', () => {
    const other = 'us-west-2'; // REGION is us-east-1
    const parsed = parseAwsRequest('POST', '/', {
      authorization: signed.authorization.replace(`/${REGION}/dynamodb/`, `/${other}/ssm/`), 'x-amz-target': 'AmazonSSM.PutParameter',
    }, Buffer.from(JSON.stringify({ Name: '/app/prod/health/forced-failure', Value: '{"failing":true}', Overwrite: true })), scope);
    expect(parsed).toMatchObject({ kind: 'evaluate', region: other, checks: [{ action: 'ssm:PutParameter', resource: `arn:aws:ssm:${other}:${ACCOUNT}:parameter/app/prod/health/forced-failure` }] });
  });

  test('an operation with no IAM mapping is unevaluable (and so denied), never allowed', () => {
    expect(json('dynamodb', 'DynamoDB_20120810.DeleteTable', { TableName: 'data' })).toMatchObject({ kind: 'unevaluable', reason: 'no IAM mapping for dynamodb:DeleteTable' });
    expect(json('secretsmanager', 'secretsmanager.GetSecretValue', { SecretId: 'unknown' })).toMatchObject({ kind: 'unevaluable', reason: 'no local secret unknown' });
    expect(parseAwsRequest('POST', '/?delete', { authorization: signed.authorization.replace('/dynamodb/', '/s3/') }, Buffer.alloc(0), scope)).toMatchObject({ kind: 'unevaluable' });
  });

  test('a request without a signature is unsigned unless the operation is public', () => {
    expect(parseAwsRequest('POST', '/', { 'x-amz-target': 'DynamoDB_20120810.GetItem' }, Buffer.from('{}'), scope)).toMatchObject({ kind: 'unsigned' });
  });
});
