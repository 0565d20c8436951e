import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { keys } from '../lambda/shared/table';
import { parameterPath, PARAMETER_KEYS, RELEASE_CHECK_PREFIX, type ParameterKey } from '../lib/names';
import { eventually, targetFromEnv } from './target';

/**
 * Batch ingest (A19) and analytics (A11), end to end: a click file dropped into the region's ingest
 * bucket reaches the ingest function (S3 notification, its Lambda permission), which reads it (its
 * role), rejects the bad record with its reason (the rejects queue), counts the good one through
 * the idempotent path and records the job; and the table's changes reach the analytics bucket
 * (Kinesis Data Streams for DynamoDB → Firehose → S3, region A only).
 *
 * In production the file holds only a bad record, so the region's counters are not changed; the
 * file goes under release-check/, the only prefix the check's role may write.
 */
const target = targetFromEnv();
const clientConfig = { region: target.region };
const ssm = new SSMClient(clientConfig);
const s3 = new S3Client(clientConfig);
const db = DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig));
const since = new Date();

async function parameter(key: ParameterKey): Promise<string> {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameterPath(target.names, key) }));
  return Parameter!.Value!;
}

describe(`batch ingest and analytics in ${target.region}`, () => {
  test(`a click file in the ingest bucket is processed: ${target.production ? 'its bad record rejected, nothing counted (production)' : 'the bad record rejected, the good one counted'}`, async () => {
    const [bucket, tableName] = await Promise.all([parameter(PARAMETER_KEYS.ingestBucketName), parameter(PARAMETER_KEYS.tableName)]);
    const key = `${RELEASE_CHECK_PREFIX}${randomUUID()}.json`;
    const good = { clickedAt: new Date().toISOString(), idempotencyKey: `e2e-ingest-${randomUUID()}` };
    const records = [{ clickedAt: 'not a time' }, ...(target.production ? [] : [good])];
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(records), ContentType: 'application/json' }));

    const job = await eventually('the ingest job to finish', async () => {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.ingestJob(bucket, key), ConsistentRead: true }));
      return Item && Item.status !== 'PROCESSING' ? Item : undefined;
    }, 60_000);
    expect(job).toMatchObject({ status: 'COMPLETED', rejected: 1, accepted: target.production ? 0 : 1, duplicates: 0 });
    if (!target.production) {
      const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.countedClick(good.idempotencyKey), ConsistentRead: true }));
      expect(Item).toBeDefined();
    }
  }, 90_000);

  const primary = target.region === target.primaryRegion;
  test(primary ? 'the table\'s changes reach the analytics bucket' : `no analytics here: region A (${target.primaryRegion}) receives every replica's changes`, async () => {
    if (!primary) {
      await expect(parameter(PARAMETER_KEYS.analyticsBucketName)).rejects.toBeInstanceOf(ParameterNotFound);
      return;
    }
    const bucket = await parameter(PARAMETER_KEYS.analyticsBucketName);
    // Objects are partitioned by delivery day (UTC); this run's land under today's (or, past midnight, the next day's).
    const dayPrefix = (time: Date) => `changes/year=${time.getUTCFullYear()}/month=${String(time.getUTCMonth() + 1).padStart(2, '0')}/day=${String(time.getUTCDate()).padStart(2, '0')}/`;
    const newer = (object: { LastModified?: Date }) => object.LastModified !== undefined && object.LastModified.getTime() >= since.getTime() - 1_000;
    // Firehose buffers up to 60 s deployed (5 s locally) before it writes an object.
    const delivered = await eventually('a Firehose object newer than this run in the analytics bucket', async () => {
      for (const prefix of new Set([dayPrefix(since), dayPrefix(new Date())])) {
        const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        const found = Contents.find(newer);
        if (found) return found;
      }
      return undefined;
    }, 300_000, 2_000);
    expect(delivered.Key).toMatch(/^changes\/year=\d{4}\/month=\d{2}\/day=\d{2}\//);
  }, 320_000);
});
