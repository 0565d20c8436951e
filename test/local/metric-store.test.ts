import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricStore, type MetricKey } from '../../local/metric-store';
import { captureOutput } from '../support/output';

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const failedLogins: MetricKey = { namespace: 'regionalapp-test', metricName: 'FailedLogins', dimensions: { service: 'login' } };

/** An EMF document as Powertools prints it, with the given directive and top-level fields. */
function emf(directive: Record<string, unknown>, fields: Record<string, unknown>, timestamp: number | 'none' = T0): string {
  return JSON.stringify({ _aws: { Timestamp: timestamp === 'none' ? undefined : timestamp, CloudWatchMetrics: [directive] }, ...fields });
}

describe('MetricStore', () => {
  test('values are read back for exactly the metric they were put for, in any dimension order', () => {
    const store = new MetricStore();
    const key: MetricKey = { namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: { FunctionName: 'login', Resource: 'login' } };
    store.put(key, 1, T0);
    store.put(key, 2, T0 + 1000);

    expect(store.values({ ...key, dimensions: { Resource: 'login', FunctionName: 'login' } }, T0, T0 + 60_000)).toEqual([1, 2]);
    expect(store.values({ ...key, dimensions: { FunctionName: 'login' } }, T0, T0 + 60_000)).toEqual([]);
    expect(store.values({ ...key, metricName: 'Invocations' }, T0, T0 + 60_000)).toEqual([]);
    expect(store.values({ ...key, namespace: 'regionalapp-test' }, T0, T0 + 60_000)).toEqual([]);
  });

  test('a time range includes its start and excludes its end', () => {
    const store = new MetricStore();
    store.put(failedLogins, 1, T0 - 1);
    store.put(failedLogins, 2, T0);
    store.put(failedLogins, 3, T0 + 299_999);
    store.put(failedLogins, 4, T0 + 300_000);

    expect(store.values(failedLogins, T0, T0 + 300_000)).toEqual([2, 3]);
  });

  test('put defaults the timestamp to now', () => {
    const store = new MetricStore();
    const before = Date.now();
    store.put(failedLogins, 1);

    expect(store.values(failedLogins, before, Date.now() + 1)).toEqual([1]);
  });

  test('records the line Powertools Metrics prints', () => {
    const output = captureOutput();
    const metrics = new Metrics({ namespace: 'regionalapp-test', serviceName: 'login' });
    metrics.addMetric('FailedLogins', MetricUnit.Count, 1);
    metrics.publishStoredMetrics();
    jest.restoreAllMocks();
    const store = new MetricStore();

    const lines = output().split('\n').filter((line) => line.trim() !== '');
    expect(lines.map((line) => store.recordEmf(line))).toEqual([true]);
    expect(store.values(failedLogins, 0, Number.MAX_SAFE_INTEGER)).toEqual([1]);
  });

  test('an EMF document records each value of an array for each dimension set, at its Timestamp', () => {
    const store = new MetricStore();
    const line = emf(
      { Namespace: 'regionalapp-test', Dimensions: [['service'], ['service', 'page']], Metrics: [{ Name: 'Latency', Unit: 'Milliseconds' }, { Name: 'Clicks', Unit: 'Count' }] },
      { service: 'click', page: 'home', Latency: [12, 30, 7], Clicks: 1 },
    );

    expect(store.recordEmf(line)).toBe(true);
    const latency = (dimensions: Record<string, string>) => store.values({ namespace: 'regionalapp-test', metricName: 'Latency', dimensions }, T0, T0 + 1);
    const clicks = (dimensions: Record<string, string>) => store.values({ namespace: 'regionalapp-test', metricName: 'Clicks', dimensions }, T0, T0 + 1);
    expect(latency({ service: 'click' })).toEqual([12, 30, 7]);
    expect(latency({ page: 'home', service: 'click' })).toEqual([12, 30, 7]);
    expect(clicks({ service: 'click' })).toEqual([1]);
    expect(clicks({ service: 'click', page: 'home' })).toEqual([1]);
    expect(latency({ page: 'home' })).toEqual([]);
  });

  test('an empty dimension set records the metric without dimensions', () => {
    const store = new MetricStore();

    expect(store.recordEmf(emf({ Namespace: 'ns', Dimensions: [[]], Metrics: [{ Name: 'Ingested' }] }, { service: 'ingest', Ingested: 5 }))).toBe(true);
    expect(store.values({ namespace: 'ns', metricName: 'Ingested', dimensions: {} }, T0, T0 + 1)).toEqual([5]);
    expect(store.values({ namespace: 'ns', metricName: 'Ingested', dimensions: { service: 'ingest' } }, T0, T0 + 1)).toEqual([]);
  });

  test('a document without a Timestamp is recorded at the fallback time', () => {
    const store = new MetricStore();

    expect(store.recordEmf(emf({ Namespace: 'ns', Dimensions: [[]], Metrics: [{ Name: 'Ingested' }] }, { Ingested: 1 }, 'none'), T0 + 5000)).toBe(true);
    expect(store.values({ namespace: 'ns', metricName: 'Ingested', dimensions: {} }, T0 + 5000, T0 + 5001)).toEqual([1]);
  });

  test.each([
    ['a plain log line', 'START RequestId: 1234 Version: $LATEST'],
    ['a structured log line', JSON.stringify({ level: 'INFO', message: 'Login failed', service: 'login' })],
    ['malformed JSON', '{"_aws": {"CloudWatchMetrics": ['],
    ['a JSON array', '[1, 2, 3]'],
    ['CloudWatchMetrics that is not a list', JSON.stringify({ _aws: { Timestamp: T0, CloudWatchMetrics: {} }, FailedLogins: 1 })],
    ['a metric without a value', emf({ Namespace: 'ns', Dimensions: [['service']], Metrics: [{ Name: 'FailedLogins' }] }, { service: 'login' })],
    ['a metric with a string value', emf({ Namespace: 'ns', Dimensions: [['service']], Metrics: [{ Name: 'FailedLogins' }] }, { service: 'login', FailedLogins: '1' })],
    ['a dimension without a value', emf({ Namespace: 'ns', Dimensions: [['service']], Metrics: [{ Name: 'FailedLogins' }] }, { FailedLogins: 1 })],
  ])('%s is not EMF: returns false and records nothing', (_, line) => {
    const store = new MetricStore();

    expect(store.recordEmf(line)).toBe(false);
    expect(store.values({ namespace: 'ns', metricName: 'FailedLogins', dimensions: { service: 'login' } }, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  test('a document with one invalid metric records none of its metrics', () => {
    const store = new MetricStore();
    const line = emf({ Namespace: 'ns', Dimensions: [['service']], Metrics: [{ Name: 'Valid' }, { Name: 'FailedLogins' }] }, { service: 'login', Valid: 1, FailedLogins: 'one' });

    expect(store.recordEmf(line)).toBe(false);
    expect(store.values({ namespace: 'ns', metricName: 'Valid', dimensions: { service: 'login' } }, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  test('prune drops datapoints older than the cut-off and keeps the rest', () => {
    const store = new MetricStore();
    const other: MetricKey = { ...failedLogins, metricName: 'SuccessfulLogins' };
    store.put(failedLogins, 1, T0 - 1);
    store.put(failedLogins, 2, T0);
    store.put(other, 3, T0 - 10);

    store.prune(T0);

    expect(store.values(failedLogins, 0, Number.MAX_SAFE_INTEGER)).toEqual([2]);
    expect(store.values(other, 0, Number.MAX_SAFE_INTEGER)).toEqual([]);
    store.put(other, 4, T0 + 1);
    expect(store.values(other, 0, Number.MAX_SAFE_INTEGER)).toEqual([4]);
  });
});
