import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record, type DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { repeat, type Poller } from './poller';

/**
 * Reads one replica's DynamoDB stream (DynamoDB Local), for everything that consumes a table's
 * changes locally: the replicator (local/replicator.ts) and Kinesis Data Streams for DynamoDB
 * (local/change-stream.ts). Every shard is followed from its oldest record, a child shard only
 * once its parent is exhausted, so each item's changes arrive in the order they were made.
 */

/** TTL deletes, as DynamoDB streams them: a REMOVE by the DynamoDB service. */
const TTL_DELETER = { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } as const;

/**
 * A stream record as AWS writes it. DynamoDB Local names its own region "ddblocal" and gives a TTL
 * delete an event name the SDK does not know (it parses as UNKNOWN_TO_SDK_VERSION) and no
 * userIdentity; AWS streams those as REMOVE by the DynamoDB service.
 */
function asAwsRecord(record: _Record, region: string): _Record {
  const known = record.eventName === 'INSERT' || record.eventName === 'MODIFY' || record.eventName === 'REMOVE';
  if (known) return { ...record, awsRegion: region };
  return { ...record, awsRegion: region, eventName: 'REMOVE', userIdentity: TTL_DELETER };
}

/** How often the stream is described to find new shards while the known ones are open. */
const SHARD_DISCOVERY_MS = 2_000;

export interface TableStreamSource {
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly tableName: string;
  readonly region: string;
  readonly intervalMs: number;
}

/** Hands every record of the table's stream, in order, to `onRecords`; a batch that throws is read again. */
export function followTableStream(source: TableStreamSource, onRecords: (records: _Record[]) => Promise<void>, onError: (error: unknown) => void): Poller {
  /** Shard → its next iterator; null once the shard is closed and read to its end. */
  const iterators = new Map<string, string | null>();
  const parents = new Map<string, string | undefined>();
  let streamArn: string | undefined;
  let describedAt = 0;
  return repeat(async () => {
    streamArn ??= (await source.dynamodb.send(new DescribeTableCommand({ TableName: source.tableName }))).Table?.LatestStreamArn;
    if (!streamArn) return;
    const open = [...iterators.values()].some(Boolean);
    if (open && Date.now() - describedAt < SHARD_DISCOVERY_MS) {
      await readShards();
      return;
    }
    describedAt = Date.now();
    const { StreamDescription } = await source.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (iterators.has(shard.ShardId!)) continue;
      const { ShardIterator } = await source.streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      iterators.set(shard.ShardId!, ShardIterator ?? null);
      parents.set(shard.ShardId!, shard.ParentShardId);
    }
    await readShards();
  }, source.intervalMs, onError);

  async function readShards(): Promise<void> {
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const parent = parents.get(shardId);
      if (parent && iterators.get(parent)) continue;
      const { Records = [], NextShardIterator } = await source.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      if (Records.length > 0) await onRecords(Records.map((record) => asAwsRecord(record, source.region)));
      iterators.set(shardId, NextShardIterator ?? null);
    }
  }
}
