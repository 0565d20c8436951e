import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { currentRegion, requireEnv } from './shared/environment';
import { errorResponse, errorSummary, json } from './shared/http';
import { imageLoader } from './shared/image';

const logger = new Logger();
const loadImage = imageLoader(new S3Client({}), requireEnv('SITE_BUCKET_NAME'), requireEnv('HELLO_IMAGE_KEY'));

/** The greeting the page shows; region tells the user which region answered. */
export function greeting(region: string): string {
  return `hello from ${region}`;
}

/** The signed-in user's email, when the token carries one (ID tokens do, access tokens do not). */
export function userEmail(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, 'requestContext'>): string | undefined {
  const email = event.requestContext.authorizer?.jwt?.claims?.email;
  return typeof email === 'string' ? email : undefined;
}

/** GET /hello (JWT) */
export async function handler(event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  const requestId = event.requestContext.requestId;
  try {
    const region = currentRegion();
    const image = await loadImage();
    return json(200, { message: greeting(region), region, user: userEmail(event), image });
  } catch (error) {
    logger.error('hello failed', { requestId, error: errorSummary(error) });
    return errorResponse(error);
  }
}

