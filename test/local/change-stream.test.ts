import { firehosePrefix } from '../../local/change-stream';

/** 2024-03-07 09:05 UTC, late enough in the day that a local time zone could shift the date. */
const DELIVERY = new Date(Date.UTC(2024, 2, 7, 9, 5, 30));

describe('firehosePrefix', () => {
  test('fills the analytics stack\'s date-partitioned prefix, zero-padded', () => {
    expect(firehosePrefix('changes/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/', DELIVERY))
      .toBe('changes/year=2024/month=03/day=07/');
  });

  test('one namespace may hold several parts with separators', () => {
    expect(firehosePrefix('raw/!{timestamp:yyyy/MM/dd/HH}/', DELIVERY)).toBe('raw/2024/03/07/09/');
    expect(firehosePrefix('!{timestamp:yyyy-MM-dd}T!{timestamp:HH}', DELIVERY)).toBe('2024-03-07T09');
  });

  test('uses UTC, whatever the local time zone', () => {
    const justBeforeMidnightUtc = new Date(Date.UTC(2023, 11, 31, 23, 59, 59));

    expect(firehosePrefix('!{timestamp:yyyy/MM/dd/HH}', justBeforeMidnightUtc)).toBe('2023/12/31/23');
  });

  test('leaves a prefix without timestamp namespaces as it is', () => {
    expect(firehosePrefix('changes/', DELIVERY)).toBe('changes/');
    expect(firehosePrefix('', DELIVERY)).toBe('');
  });
});
