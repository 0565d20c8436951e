import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventHeaders, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE, HOME_PAGE, IDEMPOTENCY_KEY, type ClickDetail } from './shared/click-event';
import { documentClient } from './shared/clients';
import { FORCED_FAILURE_STATUS, forcedFailureBody } from './shared/forced-failure';
import { cachedFlag } from './shared/forced-failure-flag';
import { DELIBERATE_FAILURE, IDEMPOTENCY_KEY_HEADER, viewsMessage } from './shared/api-contract';
import { readViewsIncludingClick } from './shared/counter';
import { currentRegion, requireEnv } from './shared/environment';
import { BadRequest, errorResponse, errorSummary, json } from './shared/http';
import { imageLoader } from './shared/image';
import { METRIC } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const events = new EventBridgeClient({});
const db = documentClient();
const eventBusName = requireEnv('EVENT_BUS_NAME');
const tableName = requireEnv('TABLE_NAME');
const failureRate = parseFailureRate(requireEnv('RANDOM_FAILURE_RATE'));
const loadClickedImage = imageLoader(new S3Client({}), requireEnv('SITE_BUCKET_NAME'), requireEnv('CLICKED_IMAGE_KEY'));
const forcedFailure = cachedFlag(new SSMClient({}), requireEnv('FORCED_FAILURE_PARAMETER'), () => Date.now(), (error) => {
  logger.warn('forced-failure flag unreadable; keeping the last value', { error: errorSummary(error) });
});

// The API contract the page shares (header, deliberate failure, wording): lambda/shared/api-contract.ts.
export { DELIBERATE_FAILURE, IDEMPOTENCY_KEY_HEADER, viewsMessage };

let random: () => number = Math.random;

/** Replaces the source of randomness behind deliberate failures; for tests. */
export function setRandom(source: () => number): void {
  random = source;
}

/** RANDOM_FAILURE_RATE as a probability; a bad value stops the function at start-up, not per click. */
export function parseFailureRate(text: string): number {
  const rate = Number(text);
  if (text.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new Error(`RANDOM_FAILURE_RATE must be a number from 0 to 1 (0.1 fails one click in ten), got "${text}"`);
  }
  return rate;
}

/** True for the share of clicks, `rate`, that fail on purpose (A8). */
export function shouldFailOnPurpose(rate: number, next: () => number): boolean {
  return next() < rate;
}

/** The client's idempotency key, or a fresh one for a client that sent none. */
export function idempotencyKeyOf(headers: APIGatewayProxyEventHeaders | undefined, newKey: () => string = randomUUID): string {
  const key = headers?.[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return newKey();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequest(`"${IDEMPOTENCY_KEY_HEADER}" header must be 8 to 200 characters of A-Z a-z 0-9 : _ . / # -`);
  }
  return key;
}

async function putClick(click: ClickDetail): Promise<void> {
  const result = await events.send(new PutEventsCommand({
    Entries: [{ EventBusName: eventBusName, Source: CLICK_EVENT_SOURCE, DetailType: CLICK_EVENT_DETAIL_TYPE, Detail: JSON.stringify(click) }],
  }));
  if (result.FailedEntryCount) {
    throw new Error(`EventBridge rejected the click event: ${result.Entries?.[0]?.ErrorCode ?? 'no error code'}`);
  }
}

/** POST /click (JWT) */
export async function handler(event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  const requestId = event.requestContext.requestId;
  try {
    const idempotencyKey = idempotencyKeyOf(event.headers);
    const region = currentRegion();
    // A region failed on purpose (A15) refuses every click with 503, never the retryable 500 below.
    const flag = await forcedFailure();
    if (flag.failing) {
      metrics.addMetric(METRIC.forcedFailureClicks, MetricUnit.Count, 1);
      return json(FORCED_FAILURE_STATUS, forcedFailureBody(region, flag));
    }
    if (shouldFailOnPurpose(failureRate, random)) {
      metrics.addMetric(METRIC.deliberateFailures, MetricUnit.Count, 1);
      logger.info('click failed on purpose', { requestId, idempotencyKey });
      return json(500, DELIBERATE_FAILURE);
    }
    // Read before the click is put: a click whose answer cannot be sent is better not counted.
    const image = await loadClickedImage();
    await putClick({ page: HOME_PAGE, region, idempotencyKey, clickedAt: new Date().toISOString() });
    metrics.addMetric(METRIC.clicks, MetricUnit.Count, 1);
    const views = await readViewsIncludingClick(db, tableName, HOME_PAGE, region, idempotencyKey);
    return json(200, { message: viewsMessage(views), views, idempotencyKey, image });
  } catch (error) {
    if (!(error instanceof BadRequest)) logger.error('click failed', { requestId, error: errorSummary(error) });
    return errorResponse(error);
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

