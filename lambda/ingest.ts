import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, S3Event, S3EventRecord } from 'aws-lambda';
import { documentClient } from './shared/clients';
import { countClick, type CountResult } from './shared/counter';
import { currentRegion, requireEnv } from './shared/environment';
import { fileFormatOf, fileRecords, toClickRecords, UnreadableFile, type FileRecord, type RejectedRecord } from './shared/ingest-records';
import { keys } from './shared/table';
import { METRIC } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const db = documentClient();
const s3 = new S3Client({});
const sqs = new SQSClient({});
const tableName = requireEnv('TABLE_NAME');
const rejectsQueueUrl = requireEnv('INGEST_REJECTS_QUEUE_URL');

/** Largest file ingested; bigger files are refused (status FAILED) and should be split. */
export const MAX_OBJECT_BYTES = 1024 * 1024;
/** Clicks counted at once, so a full 1 MB file (tens of thousands of rows) fits the function's timeout. */
const COUNT_CONCURRENCY = 16;
/** A rejected record is cut to this many characters of JSON, so ten always fit in one SQS batch. */
const MAX_REJECTED_RECORD_CHARS = 8 * 1024;
const SQS_BATCH_SIZE = 10;

export type JobStatus = 'PROCESSING' | 'COMPLETED' | 'FAILED';

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function objectKeyOf(record: Pick<S3EventRecord, 's3'>): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}

export interface JobCounts {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
}

/**
 * ObjectCreated on the ingest bucket (A19): each file is validated and its clicks counted through
 * the same idempotent path as live clicks; bad records go to the rejects queue with the reason; the
 * file's job item (queryable by status) records the outcome. A file that cannot be read or parsed
 * ends FAILED without an error (its status is the outcome); an AWS error throws, so Lambda retries
 * the whole event, which counts nothing twice.
 */
export async function handler(event: S3Event, context: Context): Promise<void> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    for (const record of event.Records ?? []) {
      await ingestFile(record);
    }
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

async function ingestFile(record: S3EventRecord): Promise<void> {
  const bucket = record.s3.bucket.name;
  const key = objectKeyOf(record);
  const job = new Job(bucket, key);
  await job.update('PROCESSING');

  let records: FileRecord[];
  try {
    const format = fileFormatOf(key);
    if (!format) throw new UnreadableFile('only .json and .csv files are ingested');
    records = fileRecords(await readObject(bucket, key, record.s3.object.size), format);
  } catch (error) {
    if (!(error instanceof UnreadableFile)) throw error;
    await job.update('FAILED', { reason: error.message });
    logger.warn('ingest file refused', { bucket, key, reason: error.message });
    metrics.addMetric(METRIC.ingestFailedFiles, MetricUnit.Count, 1);
    return;
  }

  const { accepted, rejected } = toClickRecords(records, { bucket, key, region: currentRegion(), now: new Date() });
  const results = await mapConcurrently(accepted, COUNT_CONCURRENCY, ({ click }) => countClick(db, tableName, click));
  await sendRejects(bucket, key, rejected);
  const counts = countsOf(results, rejected.length);
  await job.update('COMPLETED', { ...counts });
  logger.info('ingest file completed', { bucket, key, ...counts });
  metrics.addMetric(METRIC.ingestedClicks, MetricUnit.Count, counts.accepted);
  metrics.addMetric(METRIC.ingestDuplicateClicks, MetricUnit.Count, counts.duplicates);
  metrics.addMetric(METRIC.ingestRejectedRecords, MetricUnit.Count, counts.rejected);
}

export function countsOf(results: readonly CountResult[], rejected: number): JobCounts {
  const accepted = results.filter((result) => result === 'counted').length;
  return { accepted, duplicates: results.length - accepted, rejected };
}

/** The file's job item: `keys.ingestJob`, listed by status through the byStatus index. */
class Job {
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly bucket: string,
    private readonly key: string,
  ) {}

  async update(status: JobStatus, details: Partial<JobCounts> & { reason?: string } = {}): Promise<void> {
    await db.send(new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.ingestJob(this.bucket, this.key),
        bucket: this.bucket,
        objectKey: this.key,
        status,
        startedAt: this.startedAt,
        updatedAt: new Date().toISOString(),
        ...details,
      },
    }));
  }
}

/** The object's text; throws UnreadableFile when it is too large, gone, or not UTF-8. */
async function readObject(bucket: string, key: string, eventSize: number): Promise<string> {
  const tooLarge = (bytes: number) => new UnreadableFile(
    `the file is ${bytes} bytes; the limit is ${MAX_OBJECT_BYTES} bytes (1 MB): split it into smaller files and upload those`);
  if (eventSize > MAX_OBJECT_BYTES) throw tooLarge(eventSize);
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') throw new UnreadableFile('the file was deleted before it could be read');
    throw error;
  }
  // The key may have been overwritten with a larger file since the event: check before downloading.
  const size = response.ContentLength ?? 0;
  if (size > MAX_OBJECT_BYTES) {
    (response.Body as { destroy?: () => void } | undefined)?.destroy?.();
    throw tooLarge(size);
  }
  const bytes = await response.Body?.transformToByteArray() ?? new Uint8Array();
  try {
    // A leading byte-order mark (as spreadsheet exports write) is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableFile('the file is not UTF-8 text');
  }
}

/** Sends rejected records to the rejects queue, ten per request; throws if any could not be sent. */
async function sendRejects(bucket: string, key: string, rejected: readonly RejectedRecord[]): Promise<void> {
  for (let start = 0; start < rejected.length; start += SQS_BATCH_SIZE) {
    const batch = rejected.slice(start, start + SQS_BATCH_SIZE);
    const response = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: rejectsQueueUrl,
      Entries: batch.map(({ index, reason, record }) => ({
        Id: `record-${index}`,
        MessageBody: JSON.stringify({ bucket, key, index, reason, record: boundedRecord(record) }),
      })),
    }));
    const failed = response.Failed ?? [];
    if (failed.length > 0) {
      throw new Error(`${failed.length} rejected records of ${bucket}/${key} could not be sent to the rejects queue `
        + `(${failed.map((entry) => `${entry.Id}: ${entry.Code}`).join(', ')}); the file will be retried`);
    }
  }
}

/** The record as it was, or its JSON cut short when it is too large for a queue message. */
export function boundedRecord(record: unknown): unknown {
  const text = JSON.stringify(record) ?? String(record);
  return text.length <= MAX_REJECTED_RECORD_CHARS ? record : { truncatedJson: text.slice(0, MAX_REJECTED_RECORD_CHARS) };
}

/** Maps items with at most `limit` calls in flight; stops starting new ones after the first failure. */
async function mapConcurrently<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await map(items[index]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
