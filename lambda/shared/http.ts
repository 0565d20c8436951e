import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** Largest request body any route accepts (A17); API Gateway itself allows 10 MB. */
export const MAX_BODY_BYTES = 4 * 1024;

/** A JSON response as API Gateway HTTP APIs (payload format 2.0) expect it. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** A client error the caller can act on: its message is safe to return as it is. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'BadRequest';
  }
}

/** The error response for a BadRequest; anything else is a 500 that reveals nothing. */
export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof BadRequest) return json(error.statusCode, { error: error.message });
  return json(500, { error: 'internal error' });
}

/**
 * The request body parsed as a JSON object, checked before parsing: size (413), encoding (HTTP
 * APIs base64-encode bodies they consider binary) and shape (400).
 */
export function parseJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Record<string, unknown> {
  if (!event.body) throw new BadRequest('request body is required');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw new BadRequest(`request body is larger than ${MAX_BODY_BYTES} bytes`, 413);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** A required string field of a parsed body, trimmed and length-checked. */
export function stringField(body: Record<string, unknown>, name: string, maxLength: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.trim() === '') throw new BadRequest(`"${name}" must be a non-empty string`);
  if (value.length > maxLength) throw new BadRequest(`"${name}" must be at most ${maxLength} characters`);
  return value.trim();
}

/** What went wrong, for logs: the error's name and message, never its stack or request data. */
export function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
