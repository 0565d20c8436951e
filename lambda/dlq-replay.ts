import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE, parseClickDetail, type ClickDetail } from './shared/click-event';
import { documentClient } from './shared/clients';
import { countClick, type CountResult } from './shared/counter';
import { currentRegion, requireEnv } from './shared/environment';
import { METRIC } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const db = documentClient();
const tableName = requireEnv('TABLE_NAME');
/** The shard a replay adds to: always this region's, like the counter's (A2). */
const shardRegion = currentRegion();

export type ReplayOutcome = CountResult | 'failed';

/**
 * The click a dead-lettered message carries. Both an EventBridge target DLQ and a Lambda
 * asynchronous-invocation DLQ deliver the original event, as JSON, as the message body.
 * Throws with what is wrong.
 */
export function clickFromMessageBody(body: string): ClickDetail {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON (expected an EventBridge click event)');
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new Error('message body is not a JSON object (expected an EventBridge click event)');
  }
  const { source, 'detail-type': detailType, detail } = event as Record<string, unknown>;
  if (source !== CLICK_EVENT_SOURCE || detailType !== CLICK_EVENT_DETAIL_TYPE) {
    throw new Error(`message is not a click event (expected source "${CLICK_EVENT_SOURCE}" and detail-type "${CLICK_EVENT_DETAIL_TYPE}")`);
  }
  return parseClickDetail(detail);
}

/**
 * SQS event source on the click DLQ (A10): replays each dead-lettered click through the same
 * idempotent path as the counter, so a click that was in fact counted before is a success. Records
 * that fail are reported as batch item failures: they return to the queue, and after the queue's
 * maxReceiveCount they move on to the alarmed "unprocessable" queue.
 *
 * A replay counts into this region's shard, whatever region the event names: a click from region A
 * replayed here must not write A's shard, which A itself increments, or global tables'
 * last-writer-wins could lose one of the two writes.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    // The batch size of the event source mapping bounds how many replays run at once.
    const outcomes = await Promise.all(event.Records.map(replay));
    const failed = event.Records.filter((_, index) => outcomes[index] === 'failed');
    metrics.addMetric(METRIC.replayedClicks, MetricUnit.Count, outcomes.length - failed.length);
    metrics.addMetric(METRIC.replayFailures, MetricUnit.Count, failed.length);
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

async function replay(record: SQSRecord): Promise<ReplayOutcome> {
  const context = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount };
  let click: ClickDetail;
  try {
    click = clickFromMessageBody(record.body);
  } catch (error) {
    logger.error('dead-lettered message cannot be replayed: it stays on the queue until it moves to the unprocessable queue', {
      ...context,
      reason: (error as Error).message,
    });
    return 'failed';
  }
  try {
    const result = await countClick(db, tableName, { ...click, region: shardRegion });
    logger.info(`replayed click ${result}`, { ...context, outcome: result, page: click.page, clickRegion: click.region, shardRegion, idempotencyKey: click.idempotencyKey });
    return result;
  } catch (error) {
    logger.error('replay failed: the message returns to the queue to be retried', { ...context, error: error as Error });
    return 'failed';
  }
}
