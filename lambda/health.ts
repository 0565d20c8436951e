import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { currentRegion, json } from './shared/http';

/** GET /health — public; the pipeline's post-deploy check and health checks call it. */
export async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
  return json(200, { status: 'ok', region: currentRegion() });
}
