import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { FORCED_FAILURE_STATUS, forcedFailureBody } from './shared/forced-failure';
import { cachedFlag } from './shared/forced-failure-flag';
import { currentRegion, requireEnv } from './shared/environment';
import { errorSummary, json } from './shared/http';
import { METRIC } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const flag = cachedFlag(new SSMClient({}), requireEnv('FORCED_FAILURE_PARAMETER'), () => Date.now(), (error) => {
  logger.warn('forced-failure flag unreadable; keeping the last value', { error: errorSummary(error) });
});

/**
 * GET /health — public; the pipeline's post-deploy check and health checks call it. While the
 * region is failing on purpose (A15) it answers 503 with who set the failure and when. Every call
 * emits `ForcedFailure` (1 failing, 0 not) for the dashboard.
 */
export async function handler(_event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  const region = currentRegion();
  try {
    const current = await flag();
    if (current.problem) logger.warn('forced-failure flag read as not failing', { problem: current.problem });
    metrics.addMetric(METRIC.forcedFailure, MetricUnit.Count, current.failing ? 1 : 0);
    if (current.failing) return json(FORCED_FAILURE_STATUS, { status: 'failing', ...forcedFailureBody(region, current) });
    return json(200, { status: 'ok', region });
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
