import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { currentRegion, json } from './shared/http';

const logger = new Logger();

/** The greeting the page shows; region tells the user which region answered. */
export function greeting(region: string): string {
  return `hello from ${region}`;
}

/** GET /hello */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const region = currentRegion();
  logger.info('hello', { requestId: event.requestContext?.requestId });
  return json(200, { message: greeting(region), region });
}
