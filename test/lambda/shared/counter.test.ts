import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { ClickDetail } from '../../../lambda/shared/click-event';
import { countClick } from '../../../lambda/shared/counter';
import { readViewShards, totalViews } from '../../../lambda/shared/view-shards';
import { keys } from '../../../lambda/shared/table';

const TABLE = 'regionalapp-test-table';
const EAST = 'us-east-1';
const WEST = 'us-west-2';

function click(region: string, idempotencyKey: string): ClickDetail {
  return { page: 'home', region, idempotencyKey, clickedAt: '2024-05-01T12:00:00.000Z' };
}

// Counting across regions (lost clicks on a shared item, one count per region per click) is
// tested against real replicas: test/local/replication.test.ts.

describe('countClick and readViewShards against DynamoDB', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: EAST }));

  beforeEach(() => ddb.reset());

  test('writes the counted-marker and its own region\'s shard increment in one transaction', async () => {
    ddb.on(TransactWriteCommand).resolves({});
    const now = new Date('2024-05-01T12:00:00Z');

    expect(await countClick(db, TABLE, click(WEST, 'click-in-west-0001'), now)).toBe('counted');

    const calls = ddb.commandCalls(TransactWriteCommand);
    expect(calls).toHaveLength(1);
    const [marker, increment] = calls[0].args[0].input.TransactItems!;
    expect(marker.Put).toMatchObject({
      TableName: TABLE,
      Item: { ...keys.countedClick('click-in-west-0001'), page: 'home', region: WEST },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(marker.Put!.Item!.expiresAt).toBeGreaterThan(now.getTime() / 1000);
    expect(increment.Update).toMatchObject({
      TableName: TABLE,
      Key: keys.viewShard('home', WEST),
      UpdateExpression: 'ADD #count :one',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: { ':one': 1 },
    });
  });

  test('a cancelled transaction whose marker condition failed is a duplicate', async () => {
    ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({
      message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    }));

    expect(await countClick(db, TABLE, click(WEST, 'click-in-west-0001'))).toBe('duplicate');
  });

  test('any other failure is rethrown, so the caller retries', async () => {
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled [None, TransactionConflict]',
      $metadata: {},
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
    });
    ddb.on(TransactWriteCommand).rejectsOnce(conflict).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(countClick(db, TABLE, click(WEST, 'click-in-west-0001'))).rejects.toBe(conflict);
    await expect(countClick(db, TABLE, click(WEST, 'click-in-west-0001'))).rejects.toThrow('Rate exceeded');
  });

  test('readViewShards pages through every shard and totalViews adds them up', async () => {
    const page2 = { pk: 'VIEWS#home', sk: 'REGION#us-west-2' };
    ddb.on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'VIEWS#home', sk: 'REGION#eu-west-1', count: 3 }, { pk: 'VIEWS#home', sk: 'REGION#us-east-1', count: 5 }], LastEvaluatedKey: page2 })
      .resolvesOnce({ Items: [{ pk: 'VIEWS#home', sk: 'REGION#us-west-2', count: 7 }] });

    const shards = await readViewShards(db, TABLE, 'home');

    expect(shards).toEqual([{ region: 'eu-west-1', count: 3 }, { region: 'us-east-1', count: 5 }, { region: 'us-west-2', count: 7 }]);
    expect(totalViews(shards)).toBe(15);
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toHaveLength(2);
    expect(queries[0]).toMatchObject({ TableName: TABLE, ExpressionAttributeValues: { ':pk': keys.viewShardsOf('home') }, ConsistentRead: true });
    expect(queries[0].ExclusiveStartKey).toBeUndefined();
    expect(queries[1].ExclusiveStartKey).toEqual(page2);
  });

  test('a page nobody clicked has no shards and no views', async () => {
    ddb.on(QueryCommand).resolves({});
    expect(totalViews(await readViewShards(db, TABLE, 'home'))).toBe(0);
  });
});
