process.env.AWS_REGION = 'us-east-1';
process.env.TABLE_NAME = 'regionalapp-prod-data';
process.env.SIGNING_SECRET_ARN = 'regionalapp/slack-signing-secret';
process.env.FORCED_FAILURE_PARAMETER = '/regionalapp/prod/health/forced-failure';
process.env.APP_REGIONS = 'us-east-1,us-west-2';
process.env.POWERTOOLS_SERVICE_NAME = 'slack-command';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'regionalapp-prod';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { commandReply, handler, parseCommand, resetCaches, statusLine } from '../../lambda/slack-command';
import { slackSignature } from '../../lambda/shared/slack-signature';
import { lambdaContext } from './lambda-context';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const REGIONS = ['us-east-1', 'us-west-2'];
const FLAG = '/regionalapp/prod/health/forced-failure';

const secrets = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);
const db = mockClient(DynamoDBDocumentClient);

/** A slash command as API Gateway delivers it: the form body base64-encoded. */
function command(text: string, options: { timestamp?: number; secret?: string; headers?: Record<string, string>; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  const body = new URLSearchParams({ command: '/regionalapp', text, user_name: 'alice', user_id: 'U0ALICE', response_url: 'https://hooks.slack.com/commands/x' }).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const base64 = options.base64 ?? true;
  return {
    version: '2.0', routeKey: 'POST /slack/commands', rawPath: '/slack/commands', rawQueryString: '',
    headers: options.headers ?? {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret ?? SECRET, timestamp, body),
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    requestContext: {} as APIGatewayProxyEventV2['requestContext'],
  };
}

const reply = (result: Awaited<ReturnType<typeof handler>>) => ({ status: (result as { statusCode: number }).statusCode, body: JSON.parse((result as { body: string }).body) });

beforeEach(() => {
  resetCaches();
  secrets.reset();
  ssm.reset();
  db.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  db.on(PutCommand).resolves({});
});

describe('parseCommand', () => {
  test.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['  STATUS ', { kind: 'status' }],
    ['fail us-west-2', { kind: 'fail', region: 'us-west-2' }],
    ['recover US-EAST-1', { kind: 'recover', region: 'us-east-1' }],
    ['fail', { kind: 'bad-region', action: 'fail', region: undefined }],
    ['fail eu-west-9', { kind: 'bad-region', action: 'fail', region: 'eu-west-9' }],
    ['fail us-east-1 us-west-2', { kind: 'bad-region', action: 'fail', region: 'us-east-1 us-west-2' }],
    ['explode', { kind: 'unknown', text: 'explode' }],
    ['status now', { kind: 'unknown', text: 'status now' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text, REGIONS)).toEqual(expected);
  });
});

describe('replies', () => {
  test('help, unknown commands and unknown regions are ephemeral and list the commands or regions', () => {
    expect(commandReply({ kind: 'help' }, REGIONS)).toEqual({ response_type: 'ephemeral', text: expect.stringContaining('/regionalapp fail <region>') });
    expect(commandReply({ kind: 'unknown', text: 'explode' }, REGIONS)?.text).toMatch(/^Unknown command `explode`\.\n.*\/regionalapp status/s);
    expect(commandReply({ kind: 'bad-region', action: 'fail', region: 'eu-west-9' }, REGIONS)).toEqual({
      response_type: 'ephemeral', text: '`eu-west-9` is not a region of this app. `/regionalapp fail` takes one of: `us-east-1`, `us-west-2`.',
    });
    expect(commandReply({ kind: 'bad-region', action: 'recover' }, REGIONS)?.text).toBe('`/regionalapp recover` needs a region: one of `us-east-1`, `us-west-2`.');
  });

  test('a status line says the state, who and when', () => {
    expect(statusLine('us-west-2', { failing: true, by: 'alice', at: '2026-01-01T00:00:00.000Z' })).toBe(':rotating_light: *us-west-2*: failing on purpose (set by alice at 2026-01-01T00:00:00.000Z)');
    expect(statusLine('us-east-1', { failing: false })).toBe(':white_check_mark: *us-east-1*: serving');
    expect(statusLine('us-east-1', { failing: false, by: 'bob', at: '2026-01-01T00:01:00.000Z' })).toBe(':white_check_mark: *us-east-1*: serving (last recovered by bob at 2026-01-01T00:01:00.000Z)');
    expect(statusLine('us-east-1', { error: 'AccessDeniedException' })).toBe(':grey_question: *us-east-1*: its flag could not be read (AccessDeniedException)');
  });
});

describe('signature checks: a bad request gets 401 and changes nothing', () => {
  const expectNothingChanged = () => {
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  };

  test('forged (signed with another secret)', async () => {
    expect(reply(await handler(command('fail us-west-2', { secret: 'not-the-secret' }), lambdaContext()))).toEqual({ status: 401, body: { error: 'invalid Slack signature' } });
    expectNothingChanged();
    expect(db.commandCalls(PutCommand)).toHaveLength(0);
  });

  test('stale (timestamp older than 5 minutes) and from the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(reply(await handler(command('fail us-west-2', { timestamp: now - 301 }), lambdaContext()))).toEqual({ status: 401, body: { error: 'request timestamp is more than 5 minutes off' } });
    expect(reply(await handler(command('fail us-west-2', { timestamp: now + 301 }), lambdaContext())).status).toBe(401);
    expectNothingChanged();
  });

  test('unsigned (no signature headers)', async () => {
    expect(reply(await handler(command('fail us-west-2', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), lambdaContext()))).toEqual({ status: 401, body: { error: 'missing Slack signature headers' } });
    expectNothingChanged();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('replayed (the same signature again): the seen-signature record refuses it', async () => {
    const event = command('fail us-west-2');
    ssm.on(PutParameterCommand).resolves({});
    expect(reply(await handler(event, lambdaContext())).status).toBe(200);
    db.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
    expect(reply(await handler(event, lambdaContext()))).toEqual({ status: 401, body: { error: 'request already received' } });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(1);
    const [put] = db.commandCalls(PutCommand);
    expect(put.args[0].input).toMatchObject({
      TableName: 'regionalapp-prod-data',
      Item: { pk: `SLACK#${event.headers['x-slack-signature']}`, sk: 'SEEN', expiresAt: expect.any(Number) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  test('a body tampered with after signing is forged', async () => {
    const event = command('status');
    event.body = Buffer.from(`${Buffer.from(event.body!, 'base64').toString()}&text=fail+us-west-2`).toString('base64');
    expect(reply(await handler(event, lambdaContext())).status).toBe(401);
  });

  test('a plain (not base64) body verifies too', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":false}' } });
    expect(reply(await handler(command('status', { base64: false }), lambdaContext())).status).toBe(200);
  });

  test('the signing secret is read once per execution environment', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":false}' } });
    await handler(command('status'), lambdaContext());
    await handler(command('help'), lambdaContext());
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('an unreadable signing secret is a 500 that reveals nothing', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('no secret'), { name: 'ResourceNotFoundException' }));
    expect(reply(await handler(command('status'), lambdaContext()))).toEqual({ status: 500, body: { error: 'internal error' } });
  });
});

describe('commands', () => {
  test('fail writes the target region\'s flag in that region, with who and when, and tells the channel', async () => {
    ssm.on(PutParameterCommand).resolves({});
    const result = reply(await handler(command('fail us-west-2'), lambdaContext()));
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ response_type: 'in_channel', text: expect.stringMatching(/^:rotating_light: alice failed \*us-west-2\* on purpose at \d{4}-.*Z: .*503/) });
    const [put] = ssm.commandCalls(PutParameterCommand);
    expect(await put.thisValue.config.region()).toBe('us-west-2');
    expect(put.args[0].input).toMatchObject({ Name: FLAG, Type: 'String', Overwrite: true });
    expect(JSON.parse(put.args[0].input.Value!)).toEqual({ failing: true, by: 'alice', at: expect.stringMatching(/Z$/) });
  });

  test('recover writes "not failing" and tells the channel', async () => {
    ssm.on(PutParameterCommand).resolves({});
    const result = reply(await handler(command('recover us-east-1'), lambdaContext()));
    expect(result.body).toEqual({ response_type: 'in_channel', text: expect.stringMatching(/^:white_check_mark: alice recovered \*us-east-1\*/) });
    expect(JSON.parse(ssm.commandCalls(PutParameterCommand)[0].args[0].input.Value!)).toMatchObject({ failing: false, by: 'alice' });
  });

  test('a flag that cannot be written says so, ephemerally, and nothing changed', async () => {
    ssm.on(PutParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = reply(await handler(command('fail us-west-2'), lambdaContext()));
    expect(result).toEqual({ status: 200, body: { response_type: 'ephemeral', text: expect.stringContaining('Could not fail *us-west-2* (AccessDeniedException); nothing changed') } });
  });

  test('status reads every region\'s flag in its region', async () => {
    ssm.on(GetParameterCommand).callsFake(async (_input, getClient: () => SSMClient) => {
      const region = await getClient().config.region();
      if (region === 'us-west-2') return { Parameter: { Value: '{"failing":true,"by":"alice","at":"2026-01-01T00:00:00.000Z"}' } };
      throw new ParameterNotFound({ message: 'not found', $metadata: {} });
    });
    const result = reply(await handler(command('status'), lambdaContext()));
    expect(result).toEqual({ status: 200, body: { response_type: 'ephemeral', text: [
      ':white_check_mark: *us-east-1*: serving',
      ':rotating_light: *us-west-2*: failing on purpose (set by alice at 2026-01-01T00:00:00.000Z)',
    ].join('\n') } });
  });

  test('unknown commands and regions get a helpful ephemeral 200 and change nothing', async () => {
    expect(reply(await handler(command('explode'), lambdaContext()))).toEqual({ status: 200, body: { response_type: 'ephemeral', text: expect.stringContaining('Unknown command `explode`') } });
    expect(reply(await handler(command('fail mars-1'), lambdaContext()))).toEqual({ status: 200, body: { response_type: 'ephemeral', text: expect.stringContaining('`mars-1` is not a region of this app') } });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });
});
