/**
 * The local environment's CloudWatch metrics: datapoints held in memory, fed by the local Lambda
 * runtime (AWS/Lambda Invocations and Errors, and every EMF line a handler prints) and the gateway.
 * moto_server accepts PutMetricData but never evaluates alarms, so the alarm evaluator reads from
 * here instead.
 */

/** One metric: what CloudWatch calls a namespace, a metric name and one set of dimensions. */
export interface MetricKey {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

interface Datapoint {
  readonly timestampMs: number;
  readonly value: number;
}

/** One metric parsed out of an EMF document, ready to record. */
interface EmfDatapoint {
  readonly key: MetricKey;
  readonly values: readonly number[];
}

export class MetricStore {
  private readonly series = new Map<string, Datapoint[]>();

  put(key: MetricKey, value: number, timestampMs: number = Date.now()): void {
    const id = seriesId(key);
    const datapoints = this.series.get(id);
    if (datapoints) datapoints.push({ timestampMs, value });
    else this.series.set(id, [{ timestampMs, value }]);
  }

  /**
   * Parses one line a handler wrote to stdout. When it is a CloudWatch Embedded Metric Format
   * document (what Powertools Metrics prints), records each metric for each of its dimension sets
   * and returns true; any other line — malformed JSON, or JSON that is not valid EMF — returns
   * false and records nothing, so a half-valid document never leaves half its metrics behind.
   */
  recordEmf(line: string, fallbackTimestampMs: number = Date.now()): boolean {
    const parsed = parseEmf(line, fallbackTimestampMs);
    if (!parsed) return false;
    for (const { key, values } of parsed.datapoints) {
      for (const value of values) this.put(key, value, parsed.timestampMs);
    }
    return true;
  }

  /**
   * Datapoint values for exactly this namespace, metric and dimension set (dimension maps match
   * exactly, in any order — as in CloudWatch, a subset of the dimensions is a different metric)
   * with fromMs <= timestamp < toMs.
   */
  values(key: MetricKey, fromMs: number, toMs: number): number[] {
    return (this.series.get(seriesId(key)) ?? [])
      .filter(({ timestampMs }) => fromMs <= timestampMs && timestampMs < toMs)
      .map(({ value }) => value);
  }

  /** Drops datapoints older than `beforeMs`, so a long-running local environment stays bounded. */
  prune(beforeMs: number): void {
    for (const [id, datapoints] of this.series) {
      const kept = datapoints.filter(({ timestampMs }) => timestampMs >= beforeMs);
      if (kept.length === 0) this.series.delete(id);
      else this.series.set(id, kept);
    }
  }
}

/** A map key that is the same for equal dimension sets whatever their order. */
function seriesId(key: MetricKey): string {
  const dimensions = Object.entries(key.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([key.namespace, key.metricName, dimensions]);
}

/**
 * The metrics of an EMF document (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html),
 * or undefined when the line is not one. Dimension values must be strings and metric values numbers
 * or arrays of numbers, as the specification requires; CloudWatch drops documents that break it.
 */
function parseEmf(line: string, fallbackTimestampMs: number): { timestampMs: number; datapoints: EmfDatapoint[] } | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isRecord(document) || !isRecord(document._aws)) return undefined;
  const { Timestamp: timestamp, CloudWatchMetrics: directives } = document._aws;
  if (!Array.isArray(directives)) return undefined;

  const datapoints: EmfDatapoint[] = [];
  for (const directive of directives) {
    if (!isRecord(directive) || typeof directive.Namespace !== 'string') return undefined;
    const { Namespace: namespace, Dimensions: dimensionSets, Metrics: metrics } = directive;
    if (!Array.isArray(dimensionSets) || !Array.isArray(metrics)) return undefined;
    for (const metric of metrics) {
      if (!isRecord(metric) || typeof metric.Name !== 'string') return undefined;
      const values = metricValues(document[metric.Name]);
      if (!values) return undefined;
      for (const dimensionSet of dimensionSets) {
        const dimensions = dimensionValues(document, dimensionSet);
        if (!dimensions) return undefined;
        datapoints.push({ key: { namespace, metricName: metric.Name, dimensions }, values });
      }
    }
  }
  const timestampMs = typeof timestamp === 'number' && Number.isFinite(timestamp) ? timestamp : fallbackTimestampMs;
  return { timestampMs, datapoints };
}

function metricValues(value: unknown): number[] | undefined {
  const values = Array.isArray(value) ? value : [value];
  return values.every((item) => typeof item === 'number' && Number.isFinite(item)) ? values as number[] : undefined;
}

function dimensionValues(document: Record<string, unknown>, dimensionSet: unknown): Record<string, string> | undefined {
  if (!Array.isArray(dimensionSet)) return undefined;
  const dimensions: Record<string, string> = {};
  for (const name of dimensionSet) {
    const value = typeof name === 'string' ? document[name] : undefined;
    if (typeof value !== 'string') return undefined;
    dimensions[name] = value;
  }
  return dimensions;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
