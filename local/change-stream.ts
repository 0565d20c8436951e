import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { repeat, type Poller } from './poller';
import type { IamPolicies } from './iam-policies';
import type { DeliveryStream } from './provision';
import { followTableStream } from './table-stream';

/**
 * The analytics path (A11), locally: the table's changes → its Kinesis stream, in the record format
 * of Kinesis Data Streams for DynamoDB, read from the replica's stream (local/table-stream.ts); and the Firehose delivery
 * stream: Kinesis → date-partitioned (optionally GZIP) objects in the analytics bucket. Firehose
 * buffers up to its interval (60 s deployed); locally every FLUSH_INTERVAL_MS.
 */

const POLL_INTERVAL_MS = 500;
const FLUSH_INTERVAL_MS = 5_000;

/** The table's changes (one replica's stream, local writes and replicated ones alike) → its Kinesis stream. */
export function streamTableChanges(options: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient; kinesis: KinesisClient; tableName: string; kinesisStreamArn: string; region: string }, onError: (error: unknown) => void): Poller {
  const source = { ...options, intervalMs: POLL_INTERVAL_MS };
  return followTableStream(source, async (records) => {
    await options.kinesis.send(new PutRecordsCommand({
      StreamARN: options.kinesisStreamArn,
      Records: records.map((record) => ({
        PartitionKey: JSON.stringify(record.dynamodb?.Keys ?? {}),
        Data: Buffer.from(JSON.stringify({
          awsRegion: options.region,
          eventID: record.eventID,
          eventName: record.eventName,
          userIdentity: record.userIdentity ? { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } : null,
          recordFormat: 'application/json',
          tableName: options.tableName,
          dynamodb: {
            ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime?.getTime(),
            Keys: record.dynamodb?.Keys,
            NewImage: record.dynamodb?.NewImage,
            OldImage: record.dynamodb?.OldImage,
            SizeBytes: record.dynamodb?.SizeBytes,
          },
          eventSource: 'aws:dynamodb',
        })),
      })),
    }));
  }, onError);
}

/** `!{timestamp:yyyy}`-style namespaces in a Firehose prefix, for a delivery at `time` (UTC). */
export function firehosePrefix(prefix: string, time: Date): string {
  const parts: Record<string, string> = {
    yyyy: String(time.getUTCFullYear()),
    MM: String(time.getUTCMonth() + 1).padStart(2, '0'),
    dd: String(time.getUTCDate()).padStart(2, '0'),
    HH: String(time.getUTCHours()).padStart(2, '0'),
  };
  return prefix.replace(/!\{timestamp:([^}]+)\}/g, (_, pattern: string) => pattern.replace(/yyyy|MM|dd|HH/g, (part) => parts[part]));
}

/** What Firehose does as its source role when it reads a Kinesis stream. */
export const FIREHOSE_SOURCE_ACTIONS = ['kinesis:DescribeStream', 'kinesis:GetShardIterator', 'kinesis:GetRecords'] as const;

/** The role sessions Firehose reads its source and writes its destination as. */
export function firehoseSessions(policies: IamPolicies, stream: DeliveryStream): { reader: string; writer: string } {
  return {
    reader: policies.session(stream.sourceRoleArn, 'KinesisFirehoseSource').sessionArn,
    writer: policies.session(stream.destinationRoleArn, 'KinesisFirehoseDestination').sessionArn,
  };
}

/**
 * Firehose from a Kinesis stream to S3: newline-delimited records per object, as delivered. It
 * reads as the source role and writes as the destination role (L3): where either is denied,
 * nothing moves and the denial is logged, as a deployed delivery stream would report it.
 */
export function deliverToBucket(options: { kinesis: KinesisClient; s3: S3Client; stream: DeliveryStream; policies: IamPolicies }, onError: (error: unknown) => void): Poller {
  const iterators = new Map<string, string | undefined>();
  const buffer: Buffer[] = [];
  let flushedAt = Date.now();
  const { stream, policies } = options;
  const streamName = stream.sourceStreamArn.split('/').pop()!;
  const { reader, writer } = firehoseSessions(policies, stream);
  return repeat(async () => {
    const mayRead = await policies.authorizeAll(reader, FIREHOSE_SOURCE_ACTIONS, stream.sourceStreamArn);
    policies.reportDenial(`delivery stream ${stream.name} reading ${streamName}`, mayRead);
    if (!mayRead.allowed) return;
    const { StreamDescription } = await options.kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
    for (const shard of StreamDescription?.Shards ?? []) {
      if (iterators.has(shard.ShardId!)) continue;
      const { ShardIterator } = await options.kinesis.send(new GetShardIteratorCommand({ StreamName: streamName, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      iterators.set(shard.ShardId!, ShardIterator);
    }
    for (const [shardId, iterator] of iterators) {
      if (!iterator) continue;
      const { Records = [], NextShardIterator } = await options.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      iterators.set(shardId, NextShardIterator);
      for (const record of Records) buffer.push(Buffer.concat([Buffer.from(record.Data!), Buffer.from('\n')]));
    }
    if (buffer.length === 0 || Date.now() - flushedAt < FLUSH_INTERVAL_MS) return;
    const now = new Date();
    const gzip = stream.compression === 'GZIP';
    const stamp = now.toISOString().replace(/[:T]/g, '-').slice(0, 19);
    const key = `${firehosePrefix(stream.prefix, now)}${stream.name}-1-${stamp}-${randomUUID()}${gzip ? '.gz' : ''}`;
    const mayWrite = await policies.authorize({ principal: writer, action: 's3:PutObject', resource: `arn:aws:s3:::${stream.bucketName}/${key}` });
    policies.reportDenial(`delivery stream ${stream.name} writing to ${stream.bucketName}`, mayWrite);
    if (!mayWrite.allowed) return;
    const body = Buffer.concat(buffer.splice(0));
    await options.s3.send(new PutObjectCommand({
      Bucket: stream.bucketName,
      Key: key,
      Body: gzip ? gzipSync(body) : body,
    }));
    flushedAt = Date.now();
  }, POLL_INTERVAL_MS, onError);
}
