import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ClickDetail } from '../../lambda/shared/click-event';
import { countClick } from '../../lambda/shared/counter';
import { readViewShards, totalViews } from '../../lambda/shared/view-shards';
import { keys } from '../../lambda/shared/table';
import { launchDynamoDbLocal, type Emulator } from '../../local/emulators';
import type { Poller } from '../../local/poller';
import { canonical, replicationLagMs, TableReplicator } from '../../local/replicator';
import { eventually } from '../support/eventually';

/**
 * Global tables locally (L5), against DynamoDB Local itself: a database per region, replicated by
 * local/replicator.ts. These are the properties the app's counting rests on (lambda/shared/counter.ts).
 */

jest.setTimeout(60_000);

const EAST = 'us-east-1';
const WEST = 'us-west-2';
const LAG_MS = 400;
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let logDir: string;
let dynamodbLocal: Emulator;
let replication: Poller;
let replicator: TableReplicator;
const clients: Record<string, DynamoDBClient> = {};
const documents: Record<string, DynamoDBDocumentClient> = {};
let table: string;
let tableCount = 0;

async function createReplicas(name: string): Promise<void> {
  for (const region of [EAST, WEST]) {
    await clients[region].send(new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }));
    await clients[region].send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
  }
}

beforeAll(async () => {
  logDir = mkdtempSync(path.join(tmpdir(), 'replication-'));
  dynamodbLocal = await (await launchDynamoDbLocal(logDir)).ready();
  for (const region of [EAST, WEST]) {
    clients[region] = new DynamoDBClient({ region, endpoint: dynamodbLocal.url, credentials: CREDENTIALS });
    documents[region] = DynamoDBDocumentClient.from(clients[region]);
  }
});

afterAll(async () => {
  await dynamodbLocal?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

/** A fresh global table per test, so no test sees another's writes. */
beforeEach(async () => {
  table = `replication-test-${++tableCount}`;
  await createReplicas(table);
  const errors: unknown[] = [];
  replicator = new TableReplicator({
    tableName: table,
    replicas: [EAST, WEST].map((region) => ({ region, dynamodb: clients[region], streams: new DynamoDBStreamsClient({ region, endpoint: dynamodbLocal.url, credentials: CREDENTIALS }) })),
    lagMs: LAG_MS,
    onError: (error) => errors.push(error),
  });
  replication = replicator.start();
});

afterEach(async () => {
  await replication.stop();
});

const key = (pk: string): Record<string, AttributeValue> => ({ pk: { S: pk }, sk: { S: 'ITEM' } });

async function itemIn(region: string, pk: string): Promise<Record<string, AttributeValue> | undefined> {
  return (await clients[region].send(new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }))).Item;
}

/** Polls until `check` holds, failing with `what` after `withinMs`; how long it took. */
const until = (what: string, check: () => Promise<boolean>, withinMs = 10_000) => eventually(check, withinMs, what, 25);

/** Both replicas hold the same item (or both none), and keep holding it for a while. */
async function converged(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  await until(`${pk} to converge`, async () => canonical(await itemIn(EAST, pk)) === canonical(await itemIn(WEST, pk)));
  await new Promise((resolve) => setTimeout(resolve, LAG_MS * 2));
  const [east, west] = [await itemIn(EAST, pk), await itemIn(WEST, pk)];
  expect(canonical(east)).toBe(canonical(west));
  return east;
}

describe('a replica per region', () => {
  test.each([[EAST, WEST], [WEST, EAST]])('a write in %s is not in %s at once, and arrives after the lag', async (from, to) => {
    await clients[from].send(new PutItemCommand({ TableName: table, Item: { ...key('greeting'), text: { S: `from ${from}` } } }));

    expect(await itemIn(from, 'greeting')).toBeDefined();
    expect(await itemIn(to, 'greeting')).toBeUndefined();
    const arrivedAfter = await until(`the write to reach ${to}`, async () => (await itemIn(to, 'greeting'))?.text?.S === `from ${from}`);
    expect(arrivedAfter).toBeGreaterThanOrEqual(LAG_MS - 50);
    expect(arrivedAfter).toBeLessThan(LAG_MS + 3_000);
  });

  test('concurrent writes to one item converge to one of them in every replica (last writer wins)', async () => {
    for (let round = 0; round < 3; round++) {
      const pk = `contested-${round}`;
      await Promise.all([EAST, WEST].map((region) => clients[region].send(new PutItemCommand({ TableName: table, Item: { ...key(pk), writer: { S: region } } }))));

      const settled = await converged(pk);
      expect([EAST, WEST]).toContain(settled?.writer?.S);
    }
  });

  test('the later of two writes wins, even when it is replicated first', async () => {
    await clients[EAST].send(new PutItemCommand({ TableName: table, Item: { ...key('ordered'), version: { N: '1' } } }));
    await new Promise((resolve) => setTimeout(resolve, LAG_MS / 4));
    await clients[WEST].send(new PutItemCommand({ TableName: table, Item: { ...key('ordered'), version: { N: '2' } } }));

    expect((await converged('ordered'))?.version?.N).toBe('2');
  });

  test('deletes replicate, and so do TTL deletes', async () => {
    await clients[EAST].send(new PutItemCommand({ TableName: table, Item: { ...key('deleted'), n: { N: '1' } } }));
    await clients[EAST].send(new PutItemCommand({ TableName: table, Item: { ...key('expiring'), expiresAt: { N: String(Math.floor(Date.now() / 1000) + 2) } } }));
    await until('both items to reach us-west-2', async () => Boolean((await itemIn(WEST, 'deleted')) && (await itemIn(WEST, 'expiring'))));

    await clients[WEST].send(new DeleteItemCommand({ TableName: table, Key: key('deleted') }));
    await until('the delete to reach us-east-1', async () => (await itemIn(EAST, 'deleted')) === undefined);
    // DynamoDB Local's TTL deletes the expired item in its own replica; the delete replicates.
    await until('the TTL delete in both regions', async () => (await itemIn(EAST, 'expiring')) === undefined && (await itemIn(WEST, 'expiring')) === undefined, 20_000);
  });

  test('a conditional write is checked in its own region only: both regions accept a create-once write', async () => {
    const createOnce = (region: string) => clients[region].send(new PutItemCommand({
      TableName: table, Item: { ...key('once'), by: { S: region } }, ConditionExpression: 'attribute_not_exists(pk)',
    }));

    await expect(Promise.all([createOnce(EAST), createOnce(WEST)])).resolves.toHaveLength(2);
    await converged('once');
    // After replication, the condition sees the other region's item.
    await expect(createOnce(EAST)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await expect(createOnce(WEST)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});

describe('counting clicks across regions (A2, A9)', () => {
  const click = (region: string, idempotencyKey: string): ClickDetail => ({ page: 'home', region, idempotencyKey, clickedAt: new Date().toISOString() });
  const viewsIn = async (region: string) => totalViews(await readViewShards(documents[region], table, 'home'));
  const CLICKS_PER_REGION = 30;

  test('concurrent clicks in both regions are all counted with a shard per region, in both regions', async () => {
    await Promise.all([EAST, WEST].flatMap((region) => Array.from({ length: CLICKS_PER_REGION }, (_, index) => countClick(documents[region], table, click(region, `${region}-${index}`)))));

    await until('both regions to count every click', async () => (await viewsIn(EAST)) === 2 * CLICKS_PER_REGION && (await viewsIn(WEST)) === 2 * CLICKS_PER_REGION);
  });

  test('a single counter item that both regions increment loses clicks: last writer wins over atomic ADD', async () => {
    const increment = (region: string) => clients[region].send(new UpdateItemCommand({
      TableName: table, Key: key('single-counter'), UpdateExpression: 'ADD #count :one', ExpressionAttributeNames: { '#count': 'count' }, ExpressionAttributeValues: { ':one': { N: '1' } },
    }));
    for (let index = 0; index < CLICKS_PER_REGION; index++) await Promise.all([increment(EAST), increment(WEST)]);

    const counted = Number((await converged('single-counter'))?.count?.N);
    expect(counted).toBeLessThan(2 * CLICKS_PER_REGION);
    expect(counted).toBeGreaterThanOrEqual(CLICKS_PER_REGION);
  });

  test('the same click accepted by both regions within the replication window counts once per region: twice, never more', async () => {
    const results = await Promise.all([countClick(documents[EAST], table, click(EAST, 'retried')), countClick(documents[WEST], table, click(WEST, 'retried'))]);
    expect(results).toEqual(['counted', 'counted']);
    await until('both counts to replicate', async () => (await viewsIn(EAST)) === 2 && (await viewsIn(WEST)) === 2);

    // Once the first region's marker has replicated, any region sees it: no third count.
    expect(await countClick(documents[EAST], table, click(EAST, 'retried'))).toBe('duplicate');
    expect(await countClick(documents[WEST], table, click(WEST, 'retried'))).toBe('duplicate');
    await new Promise((resolve) => setTimeout(resolve, LAG_MS * 2));
    expect([await viewsIn(EAST), await viewsIn(WEST)]).toEqual([2, 2]);
  });

  test('the same click sent to a second region after the replication window counts once', async () => {
    expect(await countClick(documents[EAST], table, click(EAST, 'failed-over'))).toBe('counted');
    await until('the marker to reach us-west-2', async () => (await documents[WEST].send(new GetItemCommand({ TableName: table, Key: { pk: { S: keys.countedClick('failed-over').pk }, sk: { S: keys.countedClick('failed-over').sk } } }))).Item !== undefined);

    expect(await countClick(documents[WEST], table, click(WEST, 'failed-over'))).toBe('duplicate');
    await until('one count in both regions', async () => (await viewsIn(EAST)) === 1 && (await viewsIn(WEST)) === 1);
  });
});

describe('canonical', () => {
  test('ignores the order of attributes and of set members, not of list elements', () => {
    expect(canonical({ b: { SS: ['y', 'x'] }, a: { N: '1' } })).toBe(canonical({ a: { N: '1' }, b: { SS: ['x', 'y'] } }));
    expect(canonical({ l: { L: [{ S: 'x' }, { S: 'y' }] } })).not.toBe(canonical({ l: { L: [{ S: 'y' }, { S: 'x' }] } }));
  });
});

describe('replicationLagMs', () => {
  test('is about a second unless LOCAL_REPLICATION_LAG_MS says otherwise', () => {
    expect(replicationLagMs({})).toBe(1_000);
    expect(replicationLagMs({ LOCAL_REPLICATION_LAG_MS: '0' })).toBe(0);
    expect(replicationLagMs({ LOCAL_REPLICATION_LAG_MS: '2500' })).toBe(2_500);
  });

  test.each(['-1', 'soon', '1.5', '600001'])('refuses %s with what to set instead', (value) => {
    expect(() => replicationLagMs({ LOCAL_REPLICATION_LAG_MS: value })).toThrow(/LOCAL_REPLICATION_LAG_MS must be a whole number of milliseconds from 0 to 600000/);
  });
});
