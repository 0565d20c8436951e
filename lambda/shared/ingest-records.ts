import { createHash } from 'node:crypto';
import { CsvError, parse, type Info, type Options } from 'csv-parse/sync';
import { HOME_PAGE, parseClickDetail, type ClickDetail } from './click-event';

/**
 * Batch ingest's files as click records (A19): a file's text read as JSON or CSV records, and each
 * record validated into a click or a rejection with its reason. No I/O: lambda/ingest.ts reads the
 * file, counts the clicks and reports.
 */

/** A click this far past the clock is not a real click (allows for the uploader's clock skew). */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export type FileFormat = 'json' | 'csv';

/** The file as a whole cannot be ingested (its job ends FAILED with this message as the reason). */
export class UnreadableFile extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFile';
  }
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
 * csv-parse's options for click files (https://csv.js.org/parse/options/): RFC 4180 fields (a field
 * in double quotes may hold commas, line breaks and `""` for a quote), with
 * - `bom`: a leading UTF-8 byte-order mark (spreadsheet exports write one) is not part of the header;
 * - `trim`: spaces around a field, outside its quotes, are not part of it; text other than spaces
 *   after a closing quote is an error;
 * - `relax_quotes`: a quote inside an unquoted field (`5" screen`) is kept as it is;
 * - `relax_column_count`: a row with more or fewer fields than the header is that row's problem
 *   (see csvRecords), not the whole file's;
 * - `skip_empty_lines`: blank lines (spaces only, too) are no rows;
 * - `info`: each row comes with the line it ends on.
 */
const CSV_OPTIONS: Options = {
  bom: true,
  trim: true,
  relax_quotes: true,
  relax_column_count: true,
  skip_empty_lines: true,
  record_delimiter: '\n',
  info: true,
};

/** A row as csv-parse returns it with `info: true`. */
interface ParsedRow {
  readonly info: Info;
  readonly record: string[];
}

/**
 * Splits CSV text into rows of trimmed fields (csv-parse, with CSV_OPTIONS). Throws UnreadableFile
 * for a quote that is never closed or text after a closing quote.
 */
export function parseCsv(text: string): CsvRow[] {
  // One kind of line break, so the parser's line numbers are the file's: csv-parse counts the \r and
  // the \n of a CRLF inside a quoted field as two lines, which would shift every later row's number.
  const lines = text.replace(/\r\n?/g, '\n');
  let rows: ParsedRow[];
  try {
    rows = parse(lines, CSV_OPTIONS) as unknown as ParsedRow[];
  } catch (error) {
    throw error instanceof CsvError ? unreadableCsv(error, lines) : error;
  }
  return rows.map(({ info, record }) => ({
    // info.lines is the line the row ends on; line breaks inside its quoted fields put its start above.
    line: info.lines - record.reduce((breaks, field) => breaks + lineBreaks(field), 0),
    fields: record.map((field) => field.trim()),
  }));
}

/** csv-parse's error, in the words of this file's other reasons and with the line to look at. */
function unreadableCsv(error: CsvError, text: string): UnreadableFile {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      // csv-parse names the last line, where it gave up; the quote to fix is where the field opens.
      return new UnreadableFile(`CSV line ${openingQuoteLine(text)}: a quoted field is never closed`);
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new UnreadableFile(`CSV line ${error.lines}: unexpected text after a closing quote (quote a field's whole value, and write a quote inside it as "")`);
    default:
      return new UnreadableFile(`CSV line ${error.lines}: ${error.message}`);
  }
}

/**
 * The line of the quote that opens the field still open at the end of the text. Inside a quoted
 * field quotes come only in `""` pairs, so that quote starts the last run of quotes of odd length.
 */
function openingQuoteLine(text: string): number {
  let end = text.length;
  for (;;) {
    const last = text.lastIndexOf('"', end - 1);
    if (last < 0) return lineBreaks(text) + 1;
    let start = last;
    while (start > 0 && text[start - 1] === '"') start--;
    if ((last - start) % 2 === 0) return lineBreaks(text.slice(0, start)) + 1;
    end = start;
  }
}

function lineBreaks(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

/** One record of a file, as read; `problem` is set when the file's structure already rules it out. */
export interface FileRecord {
  readonly record: unknown;
  readonly problem?: string;
}

const CSV_COLUMNS = { required: ['clickedAt'], optional: ['page', 'idempotencyKey'] } as const;

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
