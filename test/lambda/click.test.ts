import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, QueryCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE, parseClickDetail } from '../../lambda/shared/click-event';
import { captureOutput, metricNames } from '../support/output';
import { lambdaContext } from './lambda-context';

// The handler reads its configuration when it is loaded, as it does in Lambda.
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  EVENT_BUS_NAME: 'regionalapp-test-bus',
  TABLE_NAME: 'regionalapp-test-table',
  RANDOM_FAILURE_RATE: '0.1',
  SITE_BUCKET_NAME: 'site-bucket',
  CLICKED_IMAGE_KEY: 'images/clicked.svg',
  FORCED_FAILURE_PARAMETER: '/regionalapp/test/health/forced-failure',
  POWERTOOLS_SERVICE_NAME: 'click',
  POWERTOOLS_METRICS_NAMESPACE: 'regionalapp-test',
});
const click = jest.requireActual<typeof import('../../lambda/click')>('../../lambda/click');
const { handler } = click;

const events = mockClient(EventBridgeClient);
const db = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';
const KEY = 'click-0123456789';
/** us-east-1 has counted 3 clicks, us-west-2 2. */
const SHARDS = [
  { pk: 'VIEWS#home', sk: 'REGION#us-east-1', count: 3 },
  { pk: 'VIEWS#home', sk: 'REGION#us-west-2', count: 2 },
];

function clickEvent(headers: Record<string, string> = { 'idempotency-key': KEY }): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /click',
    rawPath: '/click',
    rawQueryString: '',
    headers,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', http: { method: 'POST', path: '/click' } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function putEntries() {
  return events.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

let output: () => string;

beforeEach(() => {
  events.reset();
  db.reset();
  s3.reset();
  ssm.reset();
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":false}' } });
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  db.on(QueryCommand).resolves({ Items: SHARDS });
  // The click's marker and this region's shard, read together: not counted yet, us-east-1 at 3.
  db.on(TransactGetCommand).resolves({ Responses: [{}, { Item: SHARDS[0] }] });
  s3.on(GetObjectCommand).resolves({ ContentType: 'image/svg+xml', Body: { transformToByteArray: async () => Buffer.from(SVG) } as any });
  click.setRandom(() => 0.5);
  output = captureOutput();
});

afterEach(() => jest.restoreAllMocks());

describe('POST /click', () => {
  test('puts one click event on the bus and answers the views including this click, with the image', async () => {
    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({
      message: 'page viewed 6 times',
      views: 6,
      idempotencyKey: KEY,
      image: `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`,
    });
    const [entry] = putEntries();
    expect(putEntries()).toHaveLength(1);
    expect(entry).toMatchObject({ EventBusName: 'regionalapp-test-bus', Source: CLICK_EVENT_SOURCE, DetailType: CLICK_EVENT_DETAIL_TYPE });
    // What is put is what the counter accepts (A9).
    expect(parseClickDetail(JSON.parse(entry.Detail!))).toEqual({ page: 'home', region: 'us-east-1', idempotencyKey: KEY, clickedAt: expect.any(String) });
    expect(db.commandCalls(TransactGetCommand)[0].args[0].input.TransactItems).toEqual([
      { Get: { TableName: 'regionalapp-test-table', Key: { pk: `CLICK#${KEY}`, sk: 'COUNTED' } } },
      { Get: { TableName: 'regionalapp-test-table', Key: { pk: 'VIEWS#home', sk: 'REGION#us-east-1' } } },
    ]);
    expect(metricNames(output())).toEqual(['Clicks']);
  });

  test('a retried click the counter already counted is not added again', async () => {
    db.on(TransactGetCommand).resolves({ Responses: [{ Item: { pk: `CLICK#${KEY}`, sk: 'COUNTED' } }, { Item: SHARDS[0] }] });

    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toMatchObject({ message: 'page viewed 5 times', views: 5 });
  });

  test('the first click ever reads "1 time"', async () => {
    db.on(QueryCommand).resolves({ Items: [] });
    db.on(TransactGetCommand).resolves({ Responses: [{}, {}] });

    const response = await handler(clickEvent(), lambdaContext());

    expect(JSON.parse(response.body!)).toMatchObject({ message: 'page viewed 1 time', views: 1 });
  });

  test('a client that sends no key gets a fresh one, used for the event and returned', async () => {
    const response = await handler(clickEvent({}), lambdaContext());

    const { idempotencyKey } = JSON.parse(response.body!);
    expect(idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(putEntries()[0].Detail!).idempotencyKey).toBe(idempotencyKey);
  });

  test.each([
    ['empty', ''],
    ['7 characters', 'a'.repeat(7)],
    ['201 characters', 'a'.repeat(201)],
    ['a space', 'click 0123456789'],
    ['two keys joined by a comma', 'click-0123456789,click-9876543210'],
  ])('an idempotency key that is %s is a 400, and nothing is put or read', async (_case, key) => {
    const response = await handler(clickEvent({ 'idempotency-key': key }), lambdaContext());

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body!).error).toContain('idempotency-key');
    expect(events.calls()).toHaveLength(0);
    expect(db.calls()).toHaveLength(0);
  });

  test.each([
    ['8 characters, every allowed symbol', 'a:_./#-1'],
    ['200 characters', 'k'.repeat(200)],
  ])('an idempotency key of %s is accepted', async (_case, key) => {
    const response = await handler(clickEvent({ 'idempotency-key': key }), lambdaContext());

    expect(response.statusCode).toBe(200);
  });

  test('a deliberate failure is a retryable 500 and puts no event', async () => {
    click.setRandom(() => 0.05);

    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'The click failed on purpose. Try again.', retryable: true });
    expect(events.calls()).toHaveLength(0);
    expect(metricNames(output())).toEqual(['DeliberateFailures']);
  });

  test('an event the bus rejects is a 500 without details; the error code is logged', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'bus detail' }] });

    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal error' });
    expect(output()).toContain('InternalFailure');
    expect(db.calls()).toHaveLength(0);
    expect(metricNames(output())).toEqual([]);
  });

  test('an unreachable bus is a 500 without details', async () => {
    events.on(PutEventsCommand).rejects(new Error('connect ETIMEDOUT'));

    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!)).toEqual({ error: 'internal error' });
  });
});

describe('POST /click while the region is failed on purpose (A15)', () => {
  /** Past the flag cache of any earlier test: the handler reads the flag again. */
  let offset = 0;
  const later = () => {
    offset += 60_000;
    const now = Date.now() + offset;
    jest.spyOn(Date, 'now').mockReturnValue(now);
  };

  test('is a 503 with who and when, not the retryable 500, and puts no event', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"failing":true,"by":"alice","at":"2026-01-01T00:00:00.000Z"}' } });
    later();
    click.setRandom(() => 0.05);

    const response = await handler(clickEvent(), lambdaContext());

    expect(response.statusCode).toBe(503);
    const body = JSON.parse(response.body!);
    expect(body).toEqual({
      error: expect.stringContaining('us-east-1 is failing on purpose (forced failure set by alice at 2026-01-01T00:00:00.000Z)'),
      forcedFailure: true, region: 'us-east-1', by: 'alice', at: '2026-01-01T00:00:00.000Z',
    });
    expect(body).not.toHaveProperty('retryable');
    expect(events.calls()).toHaveLength(0);
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({ Name: '/regionalapp/test/health/forced-failure' });
  });

  test('the flag is read at most once per FLAG_CACHE_MS', async () => {
    later();
    await handler(clickEvent(), lambdaContext());
    await handler(clickEvent(), lambdaContext());
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  test('an unreadable flag does not fail clicks', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    later();
    expect((await handler(clickEvent(), lambdaContext())).statusCode).not.toBe(503);
    expect(putEntries()).toHaveLength(1);
  });
});

describe('click rules', () => {
  test('a rate of 0 never fails, 1 always fails, 0.1 fails the lowest tenth of draws', () => {
    expect(click.shouldFailOnPurpose(0, () => 0)).toBe(false);
    expect(click.shouldFailOnPurpose(1, () => 0.999)).toBe(true);
    expect(click.shouldFailOnPurpose(0.1, () => 0.099)).toBe(true);
    expect(click.shouldFailOnPurpose(0.1, () => 0.1)).toBe(false);
  });

  test('RANDOM_FAILURE_RATE must be a probability', () => {
    expect(click.parseFailureRate('0')).toBe(0);
    expect(click.parseFailureRate('0.1')).toBe(0.1);
    expect(click.parseFailureRate('1')).toBe(1);
    for (const bad of ['', ' ', 'ten percent', '-0.1', '1.5', '10%']) {
      expect(() => click.parseFailureRate(bad)).toThrow('RANDOM_FAILURE_RATE must be a number from 0 to 1');
    }
  });
});
