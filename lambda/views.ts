import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HOME_PAGE } from './shared/click-event';
import { documentClient } from './shared/clients';
import { readViewShards, totalViews } from './shared/view-shards';
import { requireEnv } from './shared/environment';
import { errorResponse, errorSummary, json } from './shared/http';

const logger = new Logger();
const db = documentClient();
const tableName = requireEnv('TABLE_NAME');

/** GET /views (JWT): the page's views, and each region's share of them (A2). */
export async function handler(event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  try {
    const shards = await readViewShards(db, tableName, HOME_PAGE);
    return json(200, { views: totalViews(shards), shards });
  } catch (error) {
    logger.error('views failed', { requestId: event.requestContext.requestId, error: errorSummary(error) });
    return errorResponse(error);
  }
}

