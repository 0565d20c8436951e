import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { CLICK_EVENT_DETAIL_TYPE, parseClickDetail, type ClickDetail } from './shared/click-event';
import { documentClient } from './shared/clients';
import { countClick, type CountResult } from './shared/counter';
import { currentRegion, requireEnv } from './shared/environment';
import { METRIC, type MetricName } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const db = documentClient();
const tableName = requireEnv('TABLE_NAME');
/** The shard this function adds to: always its own region's (A2). */
const shardRegion = currentRegion();

/** The metric each outcome adds to; the dashboard's click widgets read these names (A12). */
export const COUNT_METRICS: Record<CountResult, MetricName> = {
  counted: METRIC.clicksCounted,
  duplicate: METRIC.duplicateClicks,
};

/**
 * Target of the click rule (A9): counts one click into this region's shard, once per idempotency
 * key. An invalid event throws, so Lambda retries it and then dead-letters it where the DLQ
 * replayer (A10) and its alarm keep it visible.
 *
 * The shard is the region this function runs in, never the event's `detail.region`: global tables
 * settle concurrent writes to one item by last-writer-wins, so a region writing another region's
 * shard (an event sent or replayed across regions) could overwrite that region's own increments.
 */
export async function handler(event: EventBridgeEvent<typeof CLICK_EVENT_DETAIL_TYPE, unknown>, context: Context): Promise<CountResult> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    const click = clickOf(event);
    const result = await countClick(db, tableName, { ...click, region: shardRegion });
    logger.info(`click ${result}`, { eventId: event.id, outcome: result, page: click.page, clickRegion: click.region, shardRegion, idempotencyKey: click.idempotencyKey });
    metrics.addMetric(COUNT_METRICS[result], MetricUnit.Count, 1);
    return result;
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

function clickOf(event: EventBridgeEvent<string, unknown>): ClickDetail {
  try {
    return parseClickDetail(event.detail);
  } catch (error) {
    logger.error('invalid click event: not counted; Lambda retries it, then sends it to the click DLQ', {
      eventId: event.id,
      source: event.source,
      detailType: event['detail-type'],
      reason: (error as Error).message,
    });
    metrics.addMetric(METRIC.invalidClickEvents, MetricUnit.Count, 1);
    throw error;
  }
}
