import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { ClickDetail } from '../../../lambda/shared/click-event';
import { countClick, readViewShards, totalViews } from '../../../lambda/shared/counter';
import { keys } from '../../../lambda/shared/table';

const TABLE = 'regionalapp-test-table';
const EAST = 'us-east-1';
const WEST = 'us-west-2';

function click(region: string, idempotencyKey: string): ClickDetail {
  return { page: 'home', region, idempotencyKey, clickedAt: '2024-05-01T12:00:00.000Z' };
}

type Item = Record<string, unknown>;

/**
 * An in-memory global table with the two DynamoDB semantics the counter design rests on:
 * - within one region's replica, a transaction is all-or-nothing, `attribute_not_exists` conditions
 *   hold, and `ADD` is atomic;
 * - across regions, a write reaches the other replicas only when replication runs, and concurrent
 *   writes to the same item are settled by last-writer-wins: the whole item written last replaces
 *   the other, whatever either of them was computed from.
 */
class GlobalTable {
  private clock = 0;
  private readonly replicas = new Map<string, Map<string, { item: Item; writtenAt: number }>>();
  private pending: { id: string; item: Item; writtenAt: number }[] = [];

  constructor(regions: string[]) {
    for (const region of regions) this.replicas.set(region, new Map());
  }

  /** Applies every write made so far to every replica, last writer winning per item. */
  replicate(): void {
    for (const write of this.pending) {
      for (const replica of this.replicas.values()) {
        const current = replica.get(write.id);
        if (!current || current.writtenAt < write.writtenAt) replica.set(write.id, { item: write.item, writtenAt: write.writtenAt });
      }
    }
    this.pending = [];
  }

  /** A document client talking to one region's replica. */
  client(region: string): DynamoDBDocumentClient {
    const send = async (command: unknown): Promise<unknown> => {
      if (command instanceof TransactWriteCommand) return this.transact(region, command);
      if (command instanceof QueryCommand) {
        const pk = command.input.ExpressionAttributeValues?.[':pk'];
        const items = [...this.replica(region).values()].map(({ item }) => item).filter((item) => item.pk === pk);
        return { Items: items.sort((a, b) => String(a.sk).localeCompare(String(b.sk))) };
      }
      if (command instanceof GetCommand) return { Item: this.read(region, command.input.Key as Item) };
      if (command instanceof PutCommand) {
        this.write(region, command.input.Item as Item);
        return {};
      }
      throw new Error(`the fake global table does not support ${(command as object).constructor.name}`);
    };
    return { send } as unknown as DynamoDBDocumentClient;
  }

  private transact(region: string, command: TransactWriteCommand): object {
    const entries = command.input.TransactItems ?? [];
    const reasons = entries.map((entry) => {
      const condition = entry.Put?.ConditionExpression;
      if (condition === undefined) return 'None';
      if (condition !== 'attribute_not_exists(pk)') throw new Error(`the fake global table does not support the condition ${condition}`);
      return this.read(region, entry.Put!.Item as Item) ? 'ConditionalCheckFailed' : 'None';
    });
    if (reasons.some((code) => code !== 'None')) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons.map((Code) => ({ Code })) });
    }
    for (const entry of entries) {
      if (entry.Put) this.write(region, entry.Put.Item as Item);
      if (entry.Update) {
        const { Key, UpdateExpression, ExpressionAttributeNames = {}, ExpressionAttributeValues = {} } = entry.Update;
        const add = /^ADD (\S+) (\S+)$/.exec(UpdateExpression ?? '');
        if (!add) throw new Error(`the fake global table does not support the update ${UpdateExpression}`);
        const attribute = ExpressionAttributeNames[add[1]] ?? add[1];
        const current = this.read(region, Key as Item) ?? { ...Key };
        this.write(region, { ...current, [attribute]: Number(current[attribute] ?? 0) + Number(ExpressionAttributeValues[add[2]]) });
      }
    }
    return {};
  }

  private replica(region: string) {
    const replica = this.replicas.get(region);
    if (!replica) throw new Error(`no replica in ${region}`);
    return replica;
  }

  private read(region: string, key: Item): Item | undefined {
    return this.replica(region).get(`${key.pk}|${key.sk}`)?.item;
  }

  private write(region: string, item: Item): void {
    const id = `${item.pk}|${item.sk}`;
    const write = { id, item: { ...item }, writtenAt: ++this.clock };
    this.replica(region).set(id, { item: write.item, writtenAt: write.writtenAt });
    this.pending.push(write);
  }
}

describe('sharded counter on a global table (A2)', () => {
  const SINGLE_COUNTER = { pk: 'VIEWS#home', sk: 'TOTAL' };

  /** The design the shards replace: one item per page, read and written back by whichever region clicks. */
  async function naiveIncrement(db: DynamoDBDocumentClient): Promise<void> {
    const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: SINGLE_COUNTER }));
    await db.send(new PutCommand({ TableName: TABLE, Item: { ...SINGLE_COUNTER, count: Number(Item?.count ?? 0) + 1 } }));
  }

  async function naiveViews(db: DynamoDBDocumentClient): Promise<number> {
    const { Item } = await db.send(new GetCommand({ TableName: TABLE, Key: SINGLE_COUNTER }));
    return Number(Item?.count ?? 0);
  }

  test('a single counter item read and written by both regions loses a click when they click concurrently', async () => {
    const table = new GlobalTable([EAST, WEST]);
    // Concurrent = within the replication lag: neither region has seen the other's write yet.
    await Promise.all([naiveIncrement(table.client(EAST)), naiveIncrement(table.client(WEST))]);
    table.replicate();

    expect(await naiveViews(table.client(EAST))).toBe(1);
    expect(await naiveViews(table.client(WEST))).toBe(1);
  });

  test('even an atomic ADD on one shared item loses a click: replication ships whole items, last writer wins', async () => {
    const table = new GlobalTable([EAST, WEST]);
    // Both clicks claim the same shard, as a single shared counter would.
    await Promise.all([
      countClick(table.client(EAST), TABLE, click(EAST, 'click-in-east-0001')),
      countClick(table.client(WEST), TABLE, click(EAST, 'click-in-west-0001')),
    ]);
    table.replicate();

    expect(totalViews(await readViewShards(table.client(EAST), TABLE, 'home'))).toBe(1);
  });

  test('per-region shards summed on read count both concurrent clicks, in both regions', async () => {
    const table = new GlobalTable([EAST, WEST]);
    const results = await Promise.all([
      countClick(table.client(EAST), TABLE, click(EAST, 'click-in-east-0001')),
      countClick(table.client(WEST), TABLE, click(WEST, 'click-in-west-0001')),
    ]);
    table.replicate();

    expect(results).toEqual(['counted', 'counted']);
    for (const region of [EAST, WEST]) {
      const shards = await readViewShards(table.client(region), TABLE, 'home');
      expect(shards).toEqual([{ region: EAST, count: 1 }, { region: WEST, count: 1 }]);
      expect(totalViews(shards)).toBe(2);
    }
  });

  test('a redelivered click is a duplicate and does not count again', async () => {
    const table = new GlobalTable([EAST, WEST]);
    const east = table.client(EAST);
    expect(await countClick(east, TABLE, click(EAST, 'click-in-east-0001'))).toBe('counted');
    expect(await countClick(east, TABLE, click(EAST, 'click-in-east-0001'))).toBe('duplicate');
    expect(await countClick(east, TABLE, click(EAST, 'click-in-east-0002'))).toBe('counted');
    table.replicate();

    expect(totalViews(await readViewShards(table.client(WEST), TABLE, 'home'))).toBe(2);
  });
});

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
