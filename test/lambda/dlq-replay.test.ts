process.env.AWS_REGION = 'us-west-2';
process.env.TABLE_NAME = 'regionalapp-test-table';
process.env.POWERTOOLS_SERVICE_NAME = 'dlq-replay';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'regionalapp-test';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { clickFromMessageBody, handler } from '../../lambda/dlq-replay';
import { fakeCountingTable } from '../support/counting-table';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE } from '../../lambda/shared/click-event';
import { lambdaContext } from './lambda-context';

const ddb = mockClient(DynamoDBDocumentClient);
const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

function detail(idempotencyKey: string, overrides: Record<string, unknown> = {}) {
  return { page: 'home', region: 'us-west-2', idempotencyKey, clickedAt: '2024-05-01T12:00:00.000Z', ...overrides };
}

/** The original EventBridge event, as both an EventBridge target DLQ and a Lambda async DLQ deliver it. */
function clickEventJson(eventDetail: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '0',
    id: 'event-1',
    'detail-type': CLICK_EVENT_DETAIL_TYPE,
    source: CLICK_EVENT_SOURCE,
    account: '111122223333',
    time: '2024-05-01T12:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail: eventDetail,
    ...overrides,
  });
}

function sqsEvent(...bodies: [messageId: string, body: string][]): SQSEvent {
  return {
    Records: bodies.map(([messageId, body]) => ({
      messageId,
      body,
      receiptHandle: `receipt-${messageId}`,
      attributes: { ApproximateReceiveCount: '1' } as SQSRecord['attributes'],
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-west-2:111122223333:regionalapp-test-click-dlq-us-west-2',
      awsRegion: 'us-west-2',
    })),
  };
}

/** The counting table, with clicks already counted and clicks whose writes fail. */
const tableRememberingClicks = (counted: string[] = [], failFor: string[] = []) => fakeCountingTable(ddb, { counted, failFor });

function metricsAdded(): Record<string, number> {
  return Object.fromEntries(addMetric.mock.calls.map(([name, , value]) => [name, value]));
}

describe('DLQ replayer (A10)', () => {
  beforeEach(() => {
    ddb.reset();
    addMetric.mockClear();
  });

  test('replays a dead-lettered click and counts it', async () => {
    const table = tableRememberingClicks();

    const response = await handler(sqsEvent(['m1', clickEventJson(detail('click-0001-abcdef'))]), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(table.views()).toBe(1);
    expect(metricsAdded()).toEqual({ ReplayedClicks: 1, ReplayFailures: 0 });
  });

  test('a click from another region replayed here counts into this region\'s shard', async () => {
    const table = tableRememberingClicks();

    // This replayer runs in us-west-2 (AWS_REGION); the click happened, and was dead-lettered, in us-east-1.
    const response = await handler(sqsEvent(['m1', clickEventJson(detail('click-0001-abcdef', { region: 'us-east-1' }), { region: 'us-east-1' })]), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(Object.fromEntries(table.shards)).toEqual({ 'VIEWS#home/REGION#us-west-2': 1 });
  });

  test('a click that was counted before is a success, not counted again', async () => {
    const table = tableRememberingClicks(['click-0001-abcdef']);

    const response = await handler(sqsEvent(['m1', clickEventJson(detail('click-0001-abcdef'))]), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(table.views()).toBe(0);
  });

  test('the same message delivered twice counts once', async () => {
    const table = tableRememberingClicks();
    const message: [string, string] = ['m1', clickEventJson(detail('click-0001-abcdef'))];

    await handler(sqsEvent(message), lambdaContext());
    const redelivered = await handler(sqsEvent(message), lambdaContext());

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(table.views()).toBe(1);
  });

  test('a mixed batch reports exactly the messages that failed', async () => {
    const table = tableRememberingClicks(['click-already-counted'], ['click-table-fails']);

    const response = await handler(sqsEvent(
      ['good', clickEventJson(detail('click-0001-abcdef'))],
      ['not-json', '{"detail": '],
      ['invalid-detail', clickEventJson(detail('click-0002-abcdef', { clickedAt: 'yesterday' }))],
      ['counted-before', clickEventJson(detail('click-already-counted'))],
      ['other-event', clickEventJson(detail('click-0003-abcdef'), { source: 'someone.else' })],
      ['table-fails', clickEventJson(detail('click-table-fails'))],
      ['also-good', clickEventJson(detail('click-0004-abcdef'))],
    ), lambdaContext());

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['invalid-detail', 'not-json', 'other-event', 'table-fails']);
    expect(table.views()).toBe(2);
    expect(metricsAdded()).toEqual({ ReplayedClicks: 3, ReplayFailures: 4 });
  });
});

describe('clickFromMessageBody', () => {
  test('reads the click from an EventBridge event', () => {
    expect(clickFromMessageBody(clickEventJson(detail('click-0001-abcdef')))).toEqual(detail('click-0001-abcdef'));
  });

  test.each([
    ['not JSON', 'click!', /not JSON/],
    ['a JSON array', '[]', /not a JSON object/],
    ['another kind of event', clickEventJson(detail('click-0001-abcdef'), { 'detail-type': 'PageViewed' }), /not a click event/],
    ['an invalid click detail', clickEventJson(detail('short')), /"idempotencyKey" must be 8–200 letters/],
  ])('says what is wrong with %s', (_, body, message) => {
    expect(() => clickFromMessageBody(body)).toThrow(message);
  });
});
