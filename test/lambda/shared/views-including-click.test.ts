import { DynamoDBDocumentClient, QueryCommand, TransactGetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { readViewsIncludingClick } from '../../../lambda/shared/counter';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(DynamoDBDocumentClient);
const KEY = 'click-0123456789';
const shard = (region: string, count: number) => ({ pk: 'VIEWS#home', sk: `REGION#${region}`, count });

beforeEach(() => mock.reset());

/**
 * POST /click's count (A21): the click may be counted between any two reads. The marker and this
 * region's shard come from one transaction, so the click is added exactly once whatever the
 * counter did meanwhile; the shard query serves only the other regions' shards.
 */
describe('readViewsIncludingClick', () => {
  test('not counted yet: the snapshot\'s shard plus this click plus the other regions', async () => {
    mock.on(TransactGetCommand).resolves({ Responses: [{}, { Item: shard('us-east-1', 19) }] });
    mock.on(QueryCommand).resolves({ Items: [shard('us-east-1', 19), shard('us-west-2', 5)] });
    await expect(readViewsIncludingClick(db, 'table', 'home', 'us-east-1', KEY)).resolves.toBe(25);
  });

  test('counted between the snapshot and the shard query: still added once (the old two reads said one more)', async () => {
    // The snapshot saw neither marker nor increment; the query, a moment later, sees the increment.
    mock.on(TransactGetCommand).resolves({ Responses: [{}, { Item: shard('us-east-1', 19) }] });
    mock.on(QueryCommand).resolves({ Items: [shard('us-east-1', 20), shard('us-west-2', 5)] });
    await expect(readViewsIncludingClick(db, 'table', 'home', 'us-east-1', KEY)).resolves.toBe(25);
  });

  test('already counted: the snapshot holds both the marker and the increment, nothing is added', async () => {
    mock.on(TransactGetCommand).resolves({ Responses: [{ Item: { pk: `CLICK#${KEY}`, sk: 'COUNTED' } }, { Item: shard('us-east-1', 20) }] });
    mock.on(QueryCommand).resolves({ Items: [shard('us-east-1', 20), shard('us-west-2', 5)] });
    await expect(readViewsIncludingClick(db, 'table', 'home', 'us-east-1', KEY)).resolves.toBe(25);
  });

  test('the first click ever: no shard, no marker', async () => {
    mock.on(TransactGetCommand).resolves({ Responses: [{}, {}] });
    mock.on(QueryCommand).resolves({ Items: [] });
    await expect(readViewsIncludingClick(db, 'table', 'home', 'us-east-1', KEY)).resolves.toBe(1);
  });

  test('reads the marker and this region\'s shard in one transaction', async () => {
    mock.on(TransactGetCommand).resolves({ Responses: [{}, {}] });
    mock.on(QueryCommand).resolves({ Items: [] });
    await readViewsIncludingClick(db, 'table', 'home', 'us-west-2', KEY);
    expect(mock.commandCalls(TransactGetCommand)[0].args[0].input.TransactItems).toEqual([
      { Get: { TableName: 'table', Key: { pk: `CLICK#${KEY}`, sk: 'COUNTED' } } },
      { Get: { TableName: 'table', Key: { pk: 'VIEWS#home', sk: 'REGION#us-west-2' } } },
    ]);
  });
});
