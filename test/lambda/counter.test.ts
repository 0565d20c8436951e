process.env.AWS_REGION = 'us-west-2';
process.env.TABLE_NAME = 'regionalapp-test-table';
process.env.POWERTOOLS_SERVICE_NAME = 'counter';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'regionalapp-test';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/counter';
import { fakeCountingTable } from '../support/counting-table';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE } from '../../lambda/shared/click-event';
import { lambdaContext } from './lambda-context';

const ddb = mockClient(DynamoDBDocumentClient);
const addMetric = jest.spyOn(Metrics.prototype, 'addMetric');

function clickEvent(detail: unknown): EventBridgeEvent<typeof CLICK_EVENT_DETAIL_TYPE, unknown> {
  return {
    version: '0',
    id: 'event-1',
    'detail-type': CLICK_EVENT_DETAIL_TYPE,
    source: CLICK_EVENT_SOURCE,
    account: '111122223333',
    time: '2024-05-01T12:00:00Z',
    region: 'us-west-2',
    resources: [],
    detail,
  };
}

const detail = { page: 'home', region: 'us-west-2', idempotencyKey: 'click-0001-abcdef', clickedAt: '2024-05-01T12:00:00.000Z' };

/** The counting table; its shards after the handler ran. */
const tableRememberingClicks = () => fakeCountingTable(ddb).shards;

describe('counter handler (A9)', () => {
  beforeEach(() => {
    ddb.reset();
    addMetric.mockClear();
  });

  test('counts a click into this region\'s shard', async () => {
    const shards = tableRememberingClicks();

    await expect(handler(clickEvent(detail), lambdaContext())).resolves.toBe('counted');

    expect(Object.fromEntries(shards)).toEqual({ 'VIEWS#home/REGION#us-west-2': 1 });
    expect(addMetric).toHaveBeenCalledWith('ClicksCounted', 'Count', 1);
  });

  test('an event naming another region counts into this region\'s shard, never the other region\'s', async () => {
    const shards = tableRememberingClicks();

    // This function runs in us-west-2 (AWS_REGION); the click happened in us-east-1.
    await expect(handler(clickEvent({ ...detail, region: 'us-east-1' }), lambdaContext())).resolves.toBe('counted');

    expect(Object.fromEntries(shards)).toEqual({ 'VIEWS#home/REGION#us-west-2': 1 });
    const [increment] = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!.slice(1);
    expect(increment.Update!.Key).toEqual({ pk: 'VIEWS#home', sk: 'REGION#us-west-2' });
  });

  test('a redelivered event is counted once', async () => {
    const shards = tableRememberingClicks();

    await expect(handler(clickEvent(detail), lambdaContext())).resolves.toBe('counted');
    await expect(handler(clickEvent(detail), lambdaContext())).resolves.toBe('duplicate');

    expect(Object.fromEntries(shards)).toEqual({ 'VIEWS#home/REGION#us-west-2': 1 });
    expect(addMetric).toHaveBeenLastCalledWith('DuplicateClicks', 'Count', 1);
  });

  test.each([
    ['no detail', undefined],
    ['a detail without an idempotency key', { ...detail, idempotencyKey: undefined }],
    ['a detail with a malformed region', { ...detail, region: 'west' }],
  ])('an event with %s throws, so Lambda retries it and then dead-letters it, and counts nothing', async (_, invalid) => {
    const shards = tableRememberingClicks();

    await expect(handler(clickEvent(invalid), lambdaContext())).rejects.toThrow(/click detail/);

    expect(shards.size).toBe(0);
    expect(addMetric.mock.calls).toEqual([['InvalidClickEvents', 'Count', 1]]);
  });

  test('a DynamoDB failure throws, so Lambda retries the click', async () => {
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(handler(clickEvent(detail), lambdaContext())).rejects.toThrow('Throughput exceeds the current capacity');
    expect(addMetric).not.toHaveBeenCalled();
  });
});
