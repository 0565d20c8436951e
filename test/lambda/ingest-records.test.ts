import {
  csvRecords, derivedIdempotencyKey, fileFormatOf, jsonRecords, parseCsv, toClickRecords, UnreadableFile, type IngestSource,
} from '../../lambda/shared/ingest-records';

const BUCKET = 'regionalapp-test-ingest';
const REGION = 'eu-west-1';

describe('parseCsv', () => {
  test('reads quoted fields with commas, escaped quotes and line breaks, trims, and skips blank lines', () => {
    const text = 'a,b,c\r\n\r\n  1 , "two, three" ,"say ""hi"""\n\n"multi\nline",,x\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 3, fields: ['1', 'two, three', 'say "hi"'] },
      { line: 5, fields: ['multi\nline', '', 'x'] },
    ]);
  });

  test('a last line without a line break is a row', () => {
    expect(parseCsv('a,b\n1,"2"')).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]);
  });

  test('a quote inside an unquoted field is kept as it is', () => {
    expect(parseCsv('5" screen,x')).toEqual([{ line: 1, fields: ['5" screen', 'x'] }]);
  });

  test.each([
    ['a quote that is never closed', 'a,b\n1,"2\n3', 'CSV line 2: a quoted field is never closed'],
    ['text after a closing quote', 'a,b\n1,"2"x', 'CSV line 2: unexpected text after a closing quote'],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseCsv(text)).toThrow(UnreadableFile);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('parseCsv: CSV as spreadsheets and partners write it (csv-parse)', () => {
  test('a quoted field may hold the delimiter, quotes and line breaks; spaces around its quotes are dropped', () => {
    expect(parseCsv('a,b,c\n  "x, y" , "say ""hi""",  "two\nlines"  \n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
    ]);
  });

  test('CRLF, CR and LF line endings, even mixed, end rows; no field keeps a carriage return', () => {
    expect(parseCsv('a,b\r\n1,2\r3,4\n5,6\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
      { line: 4, fields: ['5', '6'] },
    ]);
  });

  test('line numbers stay right after a quoted field that spans CRLF line breaks', () => {
    expect(parseCsv('a,b\r\n"x\r\ny\r\nz",1\r\n\r\n2,3\r\n').map(({ line }) => line)).toEqual([1, 2, 6]);
    expect(() => parseCsv('a,b\r\n"x\r\ny",1\r\n2,"3"4\r\n')).toThrow('CSV line 4: unexpected text after a closing quote');
  });

  test('a UTF-8 byte-order mark before the header is dropped', () => {
    expect(parseCsv('\uFEFFclickedAt,page\n2024-05-01T10:00:00Z,home')).toEqual([
      { line: 1, fields: ['clickedAt', 'page'] },
      { line: 2, fields: ['2024-05-01T10:00:00Z', 'home'] },
    ]);
  });

  test('ragged rows keep the fields they have: the row, not the file, is judged (see csvRecords)', () => {
    expect(parseCsv('a,b,c\n1\n1,2,3,4\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1'] },
      { line: 3, fields: ['1', '2', '3', '4'] },
    ]);
  });

  test('blank lines, and lines of spaces only, are no rows', () => {
    expect(parseCsv('a\n\n   \n\t\n1\n')).toEqual([{ line: 1, fields: ['a'] }, { line: 5, fields: ['1'] }]);
    expect(parseCsv('\n \r\n')).toEqual([]);
    expect(parseCsv('')).toEqual([]);
  });

  test('spaces between a closing quote and the next comma are allowed', () => {
    expect(parseCsv('a,b\n"1"   ,2')).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]);
  });

  test.each([
    ['left open after a multi-line quoted field: the line is the open quote\'s', 'a,b\n"x\ny","say ""hi\nthere', 'CSV line 3: a quoted field is never closed'],
    ['left open, with escaped quotes inside', 'a\n"""x""\n', 'CSV line 2: a quoted field is never closed'],
    ['with text after its closing quote, spaces between', 'a,b\n1,"2"  x', 'CSV line 2: unexpected text after a closing quote'],
  ])('refuses a quoted field %s', (_, text, message) => {
    expect(() => parseCsv(text)).toThrow(UnreadableFile);
    expect(() => parseCsv(text)).toThrow(message);
  });
});

describe('records and validation', () => {
  const source: IngestSource = { bucket: BUCKET, key: 'clicks.csv', region: REGION, now: new Date('2024-05-02T00:00:00Z') };

  test('CSV records: empty or missing trailing optional fields are "not given", and the header may be in any order', () => {
    expect(csvRecords('page,clickedAt,idempotencyKey\n,2024-05-01T10:00:00Z,\nabout,2024-05-01T11:00:00Z')).toEqual([
      { record: { clickedAt: '2024-05-01T10:00:00Z' } },
      { record: { page: 'about', clickedAt: '2024-05-01T11:00:00Z' } },
    ]);
    expect(() => csvRecords('clickedAt,page,page\n')).toThrow('the CSV header names the column "page" twice');
  });

  test('JSON records: one per array element', () => {
    expect(jsonRecords('[{"clickedAt":"2024-05-01T10:00:00Z"}, 3]')).toEqual([{ record: { clickedAt: '2024-05-01T10:00:00Z' } }, { record: 3 }]);
  });

  test('a valid record becomes a click of this region, with the home page and a derived key by default', () => {
    const { accepted, rejected } = toClickRecords([{ record: { clickedAt: ' 2024-05-01T12:00:00+02:00 ' } }], source);
    expect(rejected).toEqual([]);
    expect(accepted).toEqual([{
      index: 0,
      click: { page: 'home', region: REGION, idempotencyKey: derivedIdempotencyKey(BUCKET, 'clicks.csv', 0), clickedAt: '2024-05-01T10:00:00.000Z' },
    }]);
  });

  test.each([
    [{ clickedAt: '2024-05-02T01:00:00Z' }, '"clickedAt" is in the future'],
    [{ clickedAt: '2024-05-01T10:00:00' }, '"clickedAt" is not an ISO 8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z'],
    [{ clickedAt: '2024-05-01T10:00:00Z', page: 7 }, '"page" must be a string'],
    [{ clickedAt: '2024-05-01T10:00:00Z', idempotencyKey: 'short' }, 'click detail "idempotencyKey" must be 8–200 letters, digits or :_./#-'],
    [null, 'the record is not an object with a "clickedAt" field'],
  ])('rejects %j: %s', (record, reason) => {
    expect(toClickRecords([{ record }], source)).toEqual({ accepted: [], rejected: [{ index: 0, reason, record }] });
  });

  test('derived idempotency keys are deterministic per bucket, key and position, and valid click keys', () => {
    const key = derivedIdempotencyKey(BUCKET, 'clicks.csv', 0);
    expect(key).toMatch(/^ingest:[0-9a-f]{32}$/);
    expect(derivedIdempotencyKey(BUCKET, 'clicks.csv', 0)).toBe(key);
    expect(new Set([key, derivedIdempotencyKey(BUCKET, 'clicks.csv', 1), derivedIdempotencyKey(BUCKET, 'other.csv', 0), derivedIdempotencyKey('other-bucket', 'clicks.csv', 0)]).size).toBe(4);
  });

  test('CSV records: a byte-order mark does not hide the clickedAt column', () => {
    expect(csvRecords('\uFEFFclickedAt,page\r\n2024-05-01T10:00:00Z,home\r\n')).toEqual([{ record: { clickedAt: '2024-05-01T10:00:00Z', page: 'home' } }]);
  });

  test('CSV records: a ragged row with fewer fields takes the defaults; one with more is that row\'s problem, with its line', () => {
    expect(csvRecords('clickedAt,page,idempotencyKey\n2024-05-01T10:00:00Z\n"2024-05-01T11:00:00Z","a,b",k,extra\n')).toEqual([
      { record: { clickedAt: '2024-05-01T10:00:00Z' } },
      { record: ['2024-05-01T11:00:00Z', 'a,b', 'k', 'extra'], problem: 'CSV line 3 has 4 fields but the header names 3 columns' },
    ]);
  });

  test('file formats by extension, in any case', () => {
    expect(['a.json', 'b.CSV', 'c.Json', 'd.txt', 'csv'].map(fileFormatOf)).toEqual(['json', 'csv', 'json', undefined, undefined]);
  });
});
