import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes, randomUUID } from 'node:crypto';
import { callJson, eventually, targetFromEnv, type JsonResponse } from './target';

/**
 * The user journey against one region (E1, P6): a test user logs in through /login, gets the
 * greeting and image, clicks (retrying the deliberate failures), and sees the counter move through
 * the API and in the table; the failed-login alarm reaches the Slack notifier. Real AWS (or the
 * local emulators) throughout — nothing here is mocked.
 */
const target = targetFromEnv();
const clientConfig = { region: target.region };
const ssm = new SSMClient(clientConfig);
const cognito = new CognitoIdentityProviderClient(clientConfig);
const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
const cloudwatch = new CloudWatchClient(clientConfig);

const email = `e2e-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
const password = `E2e-${randomBytes(12).toString('base64url')}!9a`;
let userPoolId: string;
let tableName: string;
let idToken: string;

async function parameter(name: string): Promise<string> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name }));
  if (!Parameter?.Value) throw new Error(`SSM parameter ${name} is empty`);
  return Parameter.Value;
}

function login(username: string, secret: string): Promise<JsonResponse> {
  return callJson(`${target.apiUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: secret }),
  });
}

function authorized(path: string, init: RequestInit = {}): Promise<JsonResponse> {
  return callJson(`${target.apiUrl}${path}`, { ...init, headers: { ...init.headers, authorization: `Bearer ${idToken}` } });
}

async function tableViews(): Promise<number> {
  const { Items = [] } = await db.send(new QueryCommand({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': 'VIEWS#home' },
    ConsistentRead: true,
  }));
  return Items.reduce((sum, item) => sum + Number(item.count ?? 0), 0);
}

beforeAll(async () => {
  [userPoolId, tableName] = await Promise.all([parameter(target.parameters.userPoolId), parameter(target.parameters.tableName)]);
  await cognito.send(new AdminCreateUserCommand({
    UserPoolId: userPoolId,
    Username: email,
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }],
    MessageAction: 'SUPPRESS',
  }));
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: userPoolId, Username: email, Password: password, Permanent: true }));
});

afterAll(async () => {
  if (userPoolId) await cognito.send(new AdminDeleteUserCommand({ UserPoolId: userPoolId, Username: email }));
});

describe(`RegionalApp user journey in ${target.region}`, () => {
  test('a route behind the authorizer refuses a request without a token', async () => {
    const response = await fetch(`${target.apiUrl}/hello`, { signal: AbortSignal.timeout(10_000) });
    expect(response.status).toBe(401);
  });

  test('a wrong password and an unknown user get the same 401, and both attempts are logged', async () => {
    const wrongPassword = await login(email, `${password}x`);
    const unknownUser = await login(`nobody-${randomUUID()}@example.com`, password);
    expect(wrongPassword).toEqual({ status: 401, body: { error: 'invalid username or password' } });
    expect(unknownUser).toEqual(wrongPassword);
    const logged = await db.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `LOGIN#${email}` },
    }));
    expect(logged.Items?.map((item) => item.outcome)).toContain('failure');
    expect(logged.Items?.every((item) => typeof item.expiresAt === 'number')).toBe(true);
  });

  test('the user logs in and is greeted from this region with the image', async () => {
    const { status, body } = await login(email, password);
    expect(status).toBe(200);
    idToken = String(body.idToken);
    const hello = await authorized('/hello');
    expect(hello.status).toBe(200);
    expect(hello.body.message).toBe(`hello from ${target.region}`);
    expect(String(hello.body.image)).toMatch(/^data:image\/svg\+xml;base64,/);
  });

  test('clicks count once each — through the API and in the table — retrying deliberate failures', async () => {
    const before = await tableViews();
    let counted = 0;
    for (let attempt = 0; counted < 3 && attempt < 30; attempt++) {
      const click = await authorized('/click', { method: 'POST', headers: { 'idempotency-key': `e2e-${randomUUID()}` } });
      if (click.status === 500 && click.body.retryable === true) continue;
      expect(click.status).toBe(200);
      expect(click.body.message).toMatch(/^page viewed \d+ times$/);
      counted++;
    }
    expect(counted).toBe(3);
    const viewsInTable = await eventually('the counter to reach the clicks', async () => {
      const views = await tableViews();
      return views >= before + counted ? views : undefined;
    });
    const viaApi = await authorized('/views');
    expect(viaApi.status).toBe(200);
    expect(viaApi.body.views).toBeGreaterThanOrEqual(viewsInTable);
  });

  test('the failed-login alarm reaches the Slack notifier, which records the delivery', async () => {
    const since = new Date().toISOString();
    await cloudwatch.send(new SetAlarmStateCommand({
      AlarmName: target.failedLoginsAlarm,
      StateValue: 'ALARM',
      StateReason: `post-deploy check ${since}`,
    }));
    const delivery = await eventually('the notifier to record a Slack delivery', async () => {
      const { Items = [] } = await db.send(new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': `DELIVERY#${target.failedLoginsAlarm}`, ':since': since },
      }));
      return Items.find((item) => item.state === 'ALARM');
    }, 90_000, 2_000);
    expect(delivery.outcome).toBe('delivered');
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: target.failedLoginsAlarm, StateValue: 'OK', StateReason: 'post-deploy check done' }));
  }, 120_000);
});
