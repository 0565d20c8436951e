process.env.AWS_REGION = 'eu-west-1';
process.env.TABLE_NAME = 'regionalapp-test-table';
process.env.INGEST_REJECTS_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/111122223333/regionalapp-test-ingest-rejects-eu-west-1';
process.env.POWERTOOLS_SERVICE_NAME = 'ingest';
process.env.POWERTOOLS_METRICS_NAMESPACE = 'regionalapp-test';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

import { GetObjectCommand, S3Client, type GetObjectCommandInput } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { boundedRecord, handler, MAX_OBJECT_BYTES, objectKeyOf } from '../../lambda/ingest';
import { keys, STATUS_INDEX } from '../../lambda/shared/table';
import { fakeCountingTable } from '../support/counting-table';
import { lambdaContext } from './lambda-context';

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

const BUCKET = 'regionalapp-test-ingest';
const REGION = 'eu-west-1';

/** The ingest bucket's files by (decoded) key. */
let files: Map<string, string>;
/** The table's view shards, as DynamoDB would keep them. */
let views: Map<string, number>;
let jobWrites: Record<string, unknown>[];
let rejects: Record<string, unknown>[];

beforeEach(() => {
  ddb.reset();
  s3.reset();
  sqs.reset();
  files = new Map();
  jobWrites = [];
  rejects = [];
  s3.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
    const text = files.get(input.Key!);
    if (text === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    const bytes = new TextEncoder().encode(text);
    return { ContentLength: bytes.byteLength, Body: { transformToByteArray: async () => bytes } };
  });
  ddb.on(PutCommand).callsFake((input) => {
    jobWrites.push(input.Item);
    return {};
  });
  views = fakeCountingTable(ddb).shards;
  sqs.on(SendMessageBatchCommand).callsFake((input) => {
    rejects.push(...input.Entries.map((entry: { MessageBody: string }) => JSON.parse(entry.MessageBody)));
    return { Successful: input.Entries.map((entry: { Id: string }) => ({ Id: entry.Id, MessageId: `msg-${entry.Id}`, MD5OfMessageBody: '' })), Failed: [] };
  });
});

/** An ObjectCreated event as S3 sends it: the key URL-encoded, '+' for spaces. */
function uploaded(encodedKey: string, size?: number): S3Event {
  const decoded = decodeURIComponent(encodedKey.replace(/\+/g, ' '));
  return {
    Records: [{
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: REGION,
      eventTime: '2024-05-02T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'uploader' },
      requestParameters: { sourceIPAddress: '203.0.113.10' },
      responseElements: { 'x-amz-request-id': 'request', 'x-amz-id-2': 'id' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'ingest',
        bucket: { name: BUCKET, ownerIdentity: { principalId: 'owner' }, arn: `arn:aws:s3:::${BUCKET}` },
        object: { key: encodedKey, size: size ?? Buffer.byteLength(files.get(decoded) ?? ''), eTag: 'etag', sequencer: '01' },
      },
    }],
  };
}

function jobStatuses(): unknown[] {
  return jobWrites.map((item) => item.status);
}

function finalJob(): Record<string, unknown> {
  return jobWrites[jobWrites.length - 1];
}

function countedKeys(): string[] {
  return ddb.commandCalls(TransactWriteCommand).map((call) => String(call.args[0].input.TransactItems![0].Put!.Item!.pk));
}

const JSON_FILE = JSON.stringify([
  { clickedAt: '2024-05-01T10:00:00Z' },
  { clickedAt: '2024-05-01T11:00:00+02:00', page: 'pricing', idempotencyKey: 'partner-click-0001', region: 'us-east-1' },
  { page: 'home' },
  { clickedAt: 'yesterday' },
  'click',
  { clickedAt: '2024-05-01T12:00:00Z', page: 'Pricing Page' },
  { clickedAt: 1714557600000 },
]);

const CSV_FILE = [
  'clickedAt,page,idempotencyKey',
  '2024-05-01T10:00:00Z,,',
  '',
  ' "2024-05-01T11:00:00Z" , "pricing" , "csv-click-0001" ',
  '2024-05-01T12:00:00Z,home,"a,b",extra',
  'not-a-date,home,',
  '2024-02-30T12:00:00Z,home,',
  '2024-05-01T13:00:00Z',
  '',
].join('\r\n');

describe('ingest handler (A19)', () => {
  test('a JSON file: valid records are counted into this region\'s shard, bad ones go to the rejects queue with the reason', async () => {
    files.set('clicks/2024-05-01.json', JSON_FILE);

    await handler(uploaded('clicks/2024-05-01.json'), lambdaContext());

    expect(jobStatuses()).toEqual(['PROCESSING', 'COMPLETED']);
    expect(finalJob()).toMatchObject({
      ...keys.ingestJob(BUCKET, 'clicks/2024-05-01.json'),
      bucket: BUCKET,
      objectKey: 'clicks/2024-05-01.json',
      status: 'COMPLETED',
      accepted: 2,
      duplicates: 0,
      rejected: 5,
    });
    expect(Date.parse(String(finalJob()[STATUS_INDEX.sortKey]))).not.toBeNaN();
    // The record's own region is ignored: each region writes only its own shard.
    expect(Object.fromEntries(views)).toEqual({ 'VIEWS#home/REGION#eu-west-1': 1, 'VIEWS#pricing/REGION#eu-west-1': 1 });
    expect(countedKeys()).toContain('CLICK#partner-click-0001');
    expect(rejects.map(({ index, reason }) => [index, reason])).toEqual([
      [2, '"clickedAt" is missing'],
      [3, '"clickedAt" is not an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z'],
      [4, 'the record is not an object with a "clickedAt" field'],
      [5, 'click detail "page" must be 1–64 lowercase letters, digits or dashes'],
      [6, '"clickedAt" must be a string'],
    ]);
    expect(rejects[0]).toEqual({ bucket: BUCKET, key: 'clicks/2024-05-01.json', index: 2, reason: '"clickedAt" is missing', record: { page: 'home' } });
  });

  test('a CSV file with quoted fields, blank lines and bad rows', async () => {
    files.set('clicks/2024-05-01.csv', CSV_FILE);

    await handler(uploaded('clicks/2024-05-01.csv'), lambdaContext());

    expect(jobStatuses()).toEqual(['PROCESSING', 'COMPLETED']);
    expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 3, duplicates: 0, rejected: 3 });
    expect(Object.fromEntries(views)).toEqual({ 'VIEWS#home/REGION#eu-west-1': 2, 'VIEWS#pricing/REGION#eu-west-1': 1 });
    expect(countedKeys()).toContain('CLICK#csv-click-0001');
    expect(rejects).toEqual([
      { bucket: BUCKET, key: 'clicks/2024-05-01.csv', index: 2, reason: 'CSV line 5 has 4 fields but the header names 3 columns', record: ['2024-05-01T12:00:00Z', 'home', 'a,b', 'extra'] },
      { bucket: BUCKET, key: 'clicks/2024-05-01.csv', index: 3, reason: expect.stringContaining('not an ISO 8601 date-time'), record: { clickedAt: 'not-a-date', page: 'home' } },
      { bucket: BUCKET, key: 'clicks/2024-05-01.csv', index: 4, reason: expect.stringContaining('not an ISO 8601 date-time'), record: { clickedAt: '2024-02-30T12:00:00Z', page: 'home' } },
    ]);
  });

  test('ingesting the same file twice counts nothing twice: the derived idempotency keys are the same', async () => {
    files.set('clicks/2024-05-01.csv', CSV_FILE);

    await handler(uploaded('clicks/2024-05-01.csv'), lambdaContext());
    const firstKeys = countedKeys();
    ddb.resetHistory();
    await handler(uploaded('clicks/2024-05-01.csv'), lambdaContext());

    expect(countedKeys()).toEqual(firstKeys);
    expect(firstKeys.filter((key) => key.startsWith('CLICK#ingest:'))).toHaveLength(2);
    expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 0, duplicates: 3, rejected: 3 });
    expect(Object.fromEntries(views)).toEqual({ 'VIEWS#home/REGION#eu-west-1': 2, 'VIEWS#pricing/REGION#eu-west-1': 1 });
  });

  test('the URL-encoded key of the event is decoded before reading the file and naming the job', async () => {
    files.set('uploads/May clicks (1).json', JSON.stringify([{ clickedAt: '2024-05-01T10:00:00Z' }]));

    await handler(uploaded('uploads/May+clicks+%281%29.json'), lambdaContext());

    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input).toMatchObject({ Bucket: BUCKET, Key: 'uploads/May clicks (1).json' });
    expect(finalJob()).toMatchObject({ ...keys.ingestJob(BUCKET, 'uploads/May clicks (1).json'), status: 'COMPLETED', accepted: 1 });
  });

  test('more than ten bad records are sent in batches of at most ten', async () => {
    files.set('bad.json', JSON.stringify(Array.from({ length: 23 }, (_, index) => ({ clickedAt: `day ${index}` }))));

    await handler(uploaded('bad.json'), lambdaContext());

    expect(sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries!.length)).toEqual([10, 10, 3]);
    expect(rejects.map((reject) => reject.index)).toEqual(Array.from({ length: 23 }, (_, index) => index));
    expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 0, rejected: 23 });
  });

  test.each([
    ['a file over 1 MB', 'big.json', 'x'.repeat(MAX_OBJECT_BYTES + 1), /is 1048577 bytes; the limit is 1048576 bytes \(1 MB\): split it/],
    ['a file that is not JSON', 'broken.json', '[{"clickedAt": "2024-05-01T10:00:00Z"', /not valid JSON/],
    ['a JSON file that is not an array', 'object.json', '{"clickedAt": "2024-05-01T10:00:00Z"}', /must be an array of click records/],
    ['a CSV file without a clickedAt column', 'columns.csv', 'time,page\n2024-05-01T10:00:00Z,home', /CSV header has no "clickedAt" column \(found: time, page\)/],
    ['a CSV file with an unclosed quote', 'quote.csv', 'clickedAt,page\n2024-05-01T10:00:00Z,"home', /CSV line 2: a quoted field is never closed/],
    ['an empty CSV file', 'empty.csv', '', /the CSV file is empty/],
    ['a file of another type', 'clicks.txt', '2024-05-01T10:00:00Z', /only \.json and \.csv files are ingested/],
  ])('%s ends FAILED with the reason, and the function does not fail', async (_, key, content, reason) => {
    files.set(key, content);

    await expect(handler(uploaded(key), lambdaContext())).resolves.toBeUndefined();

    expect(jobStatuses()).toEqual(['PROCESSING', 'FAILED']);
    expect(finalJob().reason).toMatch(reason);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(rejects).toEqual([]);
  });

  test('a file over 1 MB is refused without being downloaded', async () => {
    await handler(uploaded('huge.csv', 50 * MAX_OBJECT_BYTES), lambdaContext());

    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(finalJob()).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('the limit is 1048576 bytes') });
  });

  test('a file overwritten with one over 1 MB after the event is refused before its body is read', async () => {
    files.set('grown.json', 'x'.repeat(MAX_OBJECT_BYTES + 10));

    await handler(uploaded('grown.json', 100), lambdaContext());

    expect(finalJob()).toMatchObject({ status: 'FAILED', reason: expect.stringContaining('is 1048586 bytes') });
  });

  test('a file that is not UTF-8 text ends FAILED', async () => {
    s3.on(GetObjectCommand).resolves({ ContentLength: 2, Body: { transformToByteArray: async () => new Uint8Array([0xc3, 0x28]) } as never });

    await handler(uploaded('latin1.csv', 2), lambdaContext());

    expect(finalJob()).toMatchObject({ status: 'FAILED', reason: 'the file is not UTF-8 text' });
  });

  test('a file deleted before it was read ends FAILED', async () => {
    await handler(uploaded('gone.json', 10), lambdaContext());

    expect(finalJob()).toMatchObject({ status: 'FAILED', reason: 'the file was deleted before it could be read' });
  });

  test('a DynamoDB error while counting fails the invocation, so Lambda retries the file', async () => {
    files.set('clicks.json', JSON.stringify([{ clickedAt: '2024-05-01T10:00:00Z' }]));
    ddb.on(TransactWriteCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));

    await expect(handler(uploaded('clicks.json'), lambdaContext())).rejects.toThrow('Throughput exceeds the current capacity');
    expect(jobStatuses()).toEqual(['PROCESSING']);
  });

  test('rejected records the queue did not take fail the invocation, so Lambda retries the file', async () => {
    files.set('bad.json', JSON.stringify([{ clickedAt: 'never' }]));
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: 'record-0', Code: 'InternalError', SenderFault: false }] });

    await expect(handler(uploaded('bad.json'), lambdaContext())).rejects.toThrow(/1 rejected records of .*bad\.json could not be sent to the rejects queue \(record-0: InternalError\)/);
    expect(jobStatuses()).toEqual(['PROCESSING']);
  });
  describe('CSV as spreadsheets and partners write it (csv-parse)', () => {
    test('a quoted field keeps its commas: the comma does not split it into another column', async () => {
      files.set('quoted.csv', [
        'clickedAt,page,idempotencyKey',
        '"2024-05-01T10:00:00Z","home","partner-click-0001"',
        '"2024-05-01T11:00:00Z",home,"partner,click,0002"',
      ].join('\n'));

      await handler(uploaded('quoted.csv'), lambdaContext());

      expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 1, duplicates: 0, rejected: 1 });
      expect(countedKeys()).toEqual(['CLICK#partner-click-0001']);
      // Three fields, the last one with its commas: rejected for what it holds, not for its shape.
      expect(rejects).toEqual([{
        bucket: BUCKET, key: 'quoted.csv', index: 1,
        reason: 'click detail "idempotencyKey" must be 8–200 letters, digits or :_./#-',
        record: { clickedAt: '2024-05-01T11:00:00Z', page: 'home', idempotencyKey: 'partner,click,0002' },
      }]);
    });

    test('CRLF line endings (a Windows export): no field ends with a carriage return', async () => {
      files.set('windows.csv', 'clickedAt,page,idempotencyKey\r\n2024-05-01T10:00:00Z,pricing,crlf-click-0001\r\n2024-05-01T11:00:00Z,home,crlf-click-0002\r\n');

      await handler(uploaded('windows.csv'), lambdaContext());

      expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 2, rejected: 0 });
      expect(countedKeys().sort()).toEqual(['CLICK#crlf-click-0001', 'CLICK#crlf-click-0002']);
      expect(Object.fromEntries(views)).toEqual({ 'VIEWS#home/REGION#eu-west-1': 1, 'VIEWS#pricing/REGION#eu-west-1': 1 });
    });

    test('a UTF-8 byte-order mark before the header (an Excel "CSV UTF-8" export) is not part of the first column\'s name', async () => {
      files.set('excel.csv', '\uFEFFclickedAt,page\r\n2024-05-01T10:00:00Z,home\r\n');

      await handler(uploaded('excel.csv'), lambdaContext());

      expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 1, rejected: 0 });
    });

    test('ragged rows: missing trailing fields take their defaults, an extra field rejects the row with its line', async () => {
      files.set('ragged.csv', [
        'clickedAt,page,idempotencyKey',
        '2024-05-01T10:00:00Z',
        '2024-05-01T11:00:00Z,pricing',
        '2024-05-01T12:00:00Z,pricing,ragged-click-0001,extra',
      ].join('\n'));

      await handler(uploaded('ragged.csv'), lambdaContext());

      expect(finalJob()).toMatchObject({ status: 'COMPLETED', accepted: 2, rejected: 1 });
      expect(Object.fromEntries(views)).toEqual({ 'VIEWS#home/REGION#eu-west-1': 1, 'VIEWS#pricing/REGION#eu-west-1': 1 });
      expect(countedKeys().filter((key) => key.startsWith('CLICK#ingest:'))).toHaveLength(2);
      expect(rejects).toEqual([{
        bucket: BUCKET, key: 'ragged.csv', index: 2,
        reason: 'CSV line 4 has 4 fields but the header names 3 columns',
        record: ['2024-05-01T12:00:00Z', 'pricing', 'ragged-click-0001', 'extra'],
      }]);
    });
  });
});

describe('event keys and rejected records', () => {
  test('S3 event keys are URL-decoded, with "+" for spaces', () => {
    expect(objectKeyOf({ s3: { object: { key: 'a+b%2Bc%20d%C3%A9.csv' } } } as never)).toBe('a b+c dé.csv');
  });

  test('a rejected record too large for a queue message is cut short', () => {
    const huge = { clickedAt: 'x'.repeat(20_000) };
    const bounded = boundedRecord(huge) as { truncatedJson: string };
    expect(bounded.truncatedJson).toHaveLength(8 * 1024);
    expect(boundedRecord({ clickedAt: 'x' })).toEqual({ clickedAt: 'x' });
  });
});
