import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { HOME_PAGE, parseClickDetail, type ClickDetail } from './shared/click-event';
import { documentClient } from './shared/clients';
import { countClick, type CountResult } from './shared/counter';
import { currentRegion, requireEnv } from './shared/environment';
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
/** A click this far past the clock is not a real click (allows for the uploader's clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** A rejected record is cut to this many characters of JSON, so ten always fit in one SQS batch. */
const MAX_REJECTED_RECORD_CHARS = 8 * 1024;
const SQS_BATCH_SIZE = 10;

export type JobStatus = 'PROCESSING' | 'COMPLETED' | 'FAILED';
export type FileFormat = 'json' | 'csv';

/** The file as a whole cannot be ingested (its job ends FAILED with this message as the reason). */
export class UnreadableFile extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFile';
  }
}

/** S3 event keys are URL-encoded, with '+' for spaces. */
export function objectKeyOf(record: Pick<S3EventRecord, 's3'>): string {
  return decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
}

export function fileFormatOf(objectKey: string): FileFormat | undefined {
  const extension = /\.(json|csv)$/i.exec(objectKey)?.[1]?.toLowerCase();
  return extension as FileFormat | undefined;
}

export interface CsvRow {
  /** 1-based line where the row starts, for messages people can act on. */
  readonly line: number;
  readonly fields: string[];
}

/**
 * Splits CSV text into rows of trimmed fields (RFC 4180: a field in double quotes may hold commas,
 * line breaks and `""` for a quote). Blank lines are skipped. Throws UnreadableFile for a quote
 * that is never closed or text after a closing quote.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let quoteLine = 1;

  const endField = () => {
    fields.push(field.trim());
    field = '';
    quoted = false;
  };
  const endRow = () => {
    endField();
    if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
    fields = [];
  };

  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inQuotes) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        inQuotes = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === ',') {
      endField();
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index++;
      endRow();
      line++;
      rowLine = line;
    } else if (quoted) {
      if (char.trim() !== '') {
        throw new UnreadableFile(`CSV line ${line}: unexpected text after a closing quote (quote a field's whole value, and write a quote inside it as "")`);
      }
    } else if (char === '"' && field.trim() === '') {
      inQuotes = true;
      quoted = true;
      quoteLine = line;
      field = '';
    } else {
      field += char;
    }
  }
  if (inQuotes) throw new UnreadableFile(`CSV line ${quoteLine}: a quoted field is never closed`);
  if (field !== '' || quoted || fields.length > 0) endRow();
  return rows;
}

/** One record of a file, as read; `problem` is set when the file's structure already rules it out. */
export interface FileRecord {
  readonly record: unknown;
  readonly problem?: string;
}

export const CSV_COLUMNS = { required: ['clickedAt'], optional: ['page', 'idempotencyKey'] } as const;

/** A CSV file's data rows as records keyed by the header line's column names. */
export function csvRecords(text: string): FileRecord[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) throw new UnreadableFile('the CSV file is empty: expected a header line naming the columns clickedAt, page, idempotencyKey');
  const columns = header.fields;
  const duplicate = columns.find((column, index) => columns.indexOf(column) !== index);
  if (duplicate !== undefined) throw new UnreadableFile(`the CSV header names the column "${duplicate}" twice`);
  for (const required of CSV_COLUMNS.required) {
    if (!columns.includes(required)) {
      throw new UnreadableFile(`the CSV header has no "${required}" column (found: ${columns.join(', ')}); `
        + `expected ${CSV_COLUMNS.required.join(', ')}, optionally ${CSV_COLUMNS.optional.join(', ')}`);
    }
  }
  return rows.map(({ line, fields }) => {
    if (fields.length > columns.length) {
      return { record: fields, problem: `CSV line ${line} has ${fields.length} fields but the header names ${columns.length} columns` };
    }
    const record: Record<string, string> = {};
    columns.forEach((column, index) => {
      // An empty or missing trailing field means "not given": the column's default applies.
      const value = fields[index] ?? '';
      if (value !== '') record[column] = value;
    });
    return { record };
  });
}

/** A JSON file's records: the file must be one JSON array. */
export function jsonRecords(text: string): FileRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnreadableFile(`the file is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new UnreadableFile('the JSON file must be an array of click records, e.g. [{"clickedAt": "2024-05-01T12:00:00Z"}]');
  return parsed.map((record: unknown) => ({ record }));
}

export function fileRecords(text: string, format: FileFormat): FileRecord[] {
  return format === 'json' ? jsonRecords(text) : csvRecords(text);
}

/**
 * The idempotency key of a record that brings none: derived from where the record is, so
 * ingesting the same file again yields the same keys and counts nothing twice.
 */
export function derivedIdempotencyKey(bucket: string, objectKey: string, index: number): string {
  return `ingest:${createHash('sha256').update(`${bucket}/${objectKey}#${index}`).digest('hex').slice(0, 32)}`;
}

export interface IngestSource {
  readonly bucket: string;
  readonly key: string;
  /** This region: ingested clicks count into its shard. */
  readonly region: string;
  readonly now: Date;
}

export interface AcceptedClick {
  readonly index: number;
  readonly click: ClickDetail;
}

export interface RejectedRecord {
  readonly index: number;
  readonly reason: string;
  readonly record: unknown;
}

/** Validates each record and turns the valid ones into click details; `index` is the record's 0-based position. */
export function toClickRecords(records: readonly FileRecord[], source: IngestSource): { accepted: AcceptedClick[]; rejected: RejectedRecord[] } {
  const accepted: AcceptedClick[] = [];
  const rejected: RejectedRecord[] = [];
  records.forEach(({ record, problem }, index) => {
    const result = problem ?? clickOrRejection(record, index, source);
    if (typeof result === 'string') rejected.push({ index, reason: result, record });
    else accepted.push({ index, click: result });
  });
  return { accepted, rejected };
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The record as a click detail, or what is wrong with it. */
function clickOrRejection(record: unknown, index: number, source: IngestSource): ClickDetail | string {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'the record is not an object with a "clickedAt" field';
  const texts: Partial<Record<'clickedAt' | 'page' | 'idempotencyKey', string>> = {};
  for (const name of ['clickedAt', 'page', 'idempotencyKey'] as const) {
    const value = (record as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return `"${name}" must be a string`;
    if (value.trim() !== '') texts[name] = value.trim();
  }
  const { clickedAt, page, idempotencyKey } = texts;
  if (clickedAt === undefined) return '"clickedAt" is missing';
  const date = ISO_DATE_TIME.exec(clickedAt);
  const time = Date.parse(clickedAt);
  if (!date || Number.isNaN(time) || !isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3]))) {
    return '"clickedAt" is not an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z';
  }
  if (time > source.now.getTime() + MAX_CLOCK_SKEW_MS) return '"clickedAt" is in the future';
  try {
    return parseClickDetail({
      page: page ?? HOME_PAGE,
      // Always this region's shard, whatever the record says: each region writes only its own
      // shard, or global tables' last-writer-wins would lose clicks (A2).
      region: source.region,
      idempotencyKey: idempotencyKey ?? derivedIdempotencyKey(source.bucket, source.key, index),
      clickedAt: new Date(time).toISOString(),
    });
  } catch (error) {
    return (error as Error).message;
  }
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
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
export async function handler(event: S3Event): Promise<void> {
  try {
    for (const record of event.Records ?? []) {
      await ingestFile(record);
    }
  } finally {
    metrics.publishStoredMetrics();
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
