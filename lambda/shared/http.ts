import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON response as API Gateway HTTP APIs (payload format 2.0) expect it. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The region this function runs in; Lambda always sets AWS_REGION. */
export function currentRegion(): string {
  const region = process.env.AWS_REGION;
  if (!region) throw new Error('AWS_REGION is not set');
  return region;
}
