import { CognitoIdentityProviderClient, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { captureOutput, metricNames } from '../support/output';
import { lambdaContext } from './lambda-context';

// The handler reads its configuration when it is loaded, as it does in Lambda.
Object.assign(process.env, {
  AWS_REGION: 'us-west-2',
  USER_POOL_CLIENT_ID: 'client-1',
  TABLE_NAME: 'regionalapp-test-table',
  POWERTOOLS_SERVICE_NAME: 'login',
  POWERTOOLS_METRICS_NAMESPACE: 'regionalapp-test',
});
const { handler, parseCredentials } = jest.requireActual<typeof import('../../lambda/login')>('../../lambda/login');

const cognito = mockClient(CognitoIdentityProviderClient);
const db = mockClient(DynamoDBDocumentClient);

const USERNAME = 'ada@example.com';
const PASSWORD = 'correct horse battery staple';
const TOKENS = { IdToken: 'id.token.value', AccessToken: 'access.token.value', ExpiresIn: 3600, TokenType: 'Bearer' };
const NINETY_DAYS = 90 * 24 * 60 * 60;

function loginEvent(body: string | undefined, isBase64Encoded = false): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /login',
    rawPath: '/login',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body,
    isBase64Encoded,
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/login' } },
  } as unknown as APIGatewayProxyEventV2;
}

const credentials = (username = USERNAME, password = PASSWORD) => loginEvent(JSON.stringify({ username, password }));

function cognitoError(name: string): Error {
  return Object.assign(new Error(`${name} message from Cognito`), { name });
}

function recordedAttempts(): Record<string, any>[] {
  return db.commandCalls(PutCommand).map((call) => call.args[0].input.Item!);
}

let output: () => string;

beforeEach(() => {
  cognito.reset();
  db.reset();
  db.on(PutCommand).resolves({});
  output = captureOutput();
});

afterEach(() => jest.restoreAllMocks());

describe('POST /login', () => {
  test('valid credentials answer the tokens and the attempt is recorded as a success', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ idToken: 'id.token.value', accessToken: 'access.token.value', expiresIn: 3600, tokenType: 'Bearer' });
    expect(cognito.commandCalls(InitiateAuthCommand)[0].args[0].input).toEqual({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: 'client-1',
      AuthParameters: { USERNAME, PASSWORD },
    });
    const [attempt] = recordedAttempts();
    expect(db.commandCalls(PutCommand)[0].args[0].input.TableName).toBe('regionalapp-test-table');
    expect(attempt).toMatchObject({ pk: 'LOGIN#ada@example.com', outcome: 'success', region: 'us-west-2' });
    expect(attempt.sk).toBe(`${attempt.at}#us-west-2#req-1`);
    expect(metricNames(output())).toEqual(['SuccessfulLogins']);
  });

  test('an unknown user and a wrong password get the same 401, and both are recorded as failures for 90 days', async () => {
    cognito.on(InitiateAuthCommand)
      .rejectsOnce(cognitoError('UserNotFoundException'))
      .rejectsOnce(cognitoError('NotAuthorizedException'));

    const unknownUser = await handler(credentials('nobody@example.com'), lambdaContext());
    const wrongPassword = await handler(credentials(USERNAME, 'wrong password'), lambdaContext());

    expect(unknownUser.statusCode).toBe(401);
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownUser.body).toBe(wrongPassword.body);
    expect(JSON.parse(unknownUser.body!)).toEqual({ error: 'invalid username or password' });
    const attempts = recordedAttempts();
    expect(attempts.map((attempt) => [attempt.pk, attempt.outcome])).toEqual([
      ['LOGIN#nobody@example.com', 'failure'],
      ['LOGIN#ada@example.com', 'failure'],
    ]);
    for (const attempt of attempts) {
      expect(attempt.expiresAt - Math.floor(Date.parse(attempt.at) / 1000)).toBe(NINETY_DAYS);
    }
    expect(metricNames(output())).toEqual(['FailedLogins', 'FailedLogins']);
  });

  test.each(['UserNotConfirmedException', 'PasswordResetRequiredException'])('%s is the same 401, so it does not reveal that the user exists', async (name) => {
    cognito.on(InitiateAuthCommand).rejects(cognitoError(name));

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!)).toEqual({ error: 'invalid username or password' });
    expect(recordedAttempts()[0].outcome).toBe('failure');
  });

  test('a user who must change their password gets a 403 and the attempt counts as failed', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session' });

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body!)).toEqual({ error: 'password change required' });
    expect(recordedAttempts()[0].outcome).toBe('failure');
    expect(metricNames(output())).toEqual(['FailedLogins']);
  });

  test('Cognito throttling answers 429 and is recorded', async () => {
    cognito.on(InitiateAuthCommand).rejects(cognitoError('TooManyRequestsException'));

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(429);
    expect(JSON.parse(response.body!)).toEqual({ error: 'too many attempts, try again later' });
    expect(recordedAttempts()[0].outcome).toBe('failure');
  });

  test('any other Cognito error is a 500 that reveals nothing, and the attempt is still recorded', async () => {
    cognito.on(InitiateAuthCommand).rejects(cognitoError('InternalErrorException'));

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal error' });
    expect(recordedAttempts()[0].outcome).toBe('failure');
  });

  test('when the attempt cannot be recorded, no tokens are handed out', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });
    db.on(PutCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    const response = await handler(credentials(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('token');
  });

  test('a base64-encoded body (as HTTP APIs send some bodies) is accepted', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });
    const body = Buffer.from(JSON.stringify({ username: USERNAME, password: PASSWORD })).toString('base64');

    const response = await handler(loginEvent(body, true), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(cognito.commandCalls(InitiateAuthCommand)[0].args[0].input.AuthParameters).toEqual({ USERNAME, PASSWORD });
  });

  test('the password is passed on as typed, spaces included; the username is trimmed', () => {
    expect(parseCredentials(loginEvent(JSON.stringify({ username: ` ${USERNAME} `, password: ' secret ' })))).toEqual({ username: USERNAME, password: ' secret ' });
  });

  test.each([
    ['no body', undefined, 400],
    ['malformed JSON', '{"username":', 400],
    ['a JSON array', '[]', 400],
    ['a missing username', JSON.stringify({ password: PASSWORD }), 400],
    ['a missing password', JSON.stringify({ username: USERNAME }), 400],
    ['a numeric username', JSON.stringify({ username: 42, password: PASSWORD }), 400],
    ['a numeric password', JSON.stringify({ username: USERNAME, password: 12345678 }), 400],
    ['a blank password', JSON.stringify({ username: USERNAME, password: '   ' }), 400],
    ['a username that is not an email', JSON.stringify({ username: 'ada', password: PASSWORD }), 400],
    ['a username over 128 characters', JSON.stringify({ username: `${'a'.repeat(120)}@example.com`, password: PASSWORD }), 400],
    ['a password over 256 characters', JSON.stringify({ username: USERNAME, password: 'p'.repeat(257) }), 400],
    ['a body over 4 KB', JSON.stringify({ username: USERNAME, password: PASSWORD, padding: 'x'.repeat(5000) }), 413],
  ])('%s is rejected before Cognito is called, and nothing is recorded', async (_case, body, status) => {
    const response = await handler(loginEvent(body), lambdaContext());

    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body!).error).toEqual(expect.any(String));
    expect(cognito.calls()).toHaveLength(0);
    expect(db.calls()).toHaveLength(0);
    expect(metricNames(output())).toEqual([]);
  });

  test('neither the password nor a token ever reaches the logs', async () => {
    cognito.on(InitiateAuthCommand)
      .resolvesOnce({ AuthenticationResult: TOKENS })
      .rejectsOnce(cognitoError('NotAuthorizedException'))
      .rejectsOnce(cognitoError('InternalErrorException'));

    await handler(credentials(), lambdaContext());
    await handler(credentials(), lambdaContext());
    await handler(credentials(), lambdaContext());
    await handler(loginEvent(JSON.stringify({ username: 'not-an-email', password: PASSWORD })), lambdaContext());

    const logs = output();
    expect(logs).toContain('req-1');
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(TOKENS.IdToken);
    expect(logs).not.toContain(TOKENS.AccessToken);
  });
});
