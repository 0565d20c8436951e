import { isEmail, MAX_EMAIL_LENGTH, PASSWORD_POLICY } from './shared/identity';
import { CognitoIdentityProviderClient, InitiateAuthCommand, type InitiateAuthCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documentClient } from './shared/clients';
import { currentRegion, requireEnv } from './shared/environment';
import { BadRequest, errorResponse, errorSummary, json, parseJsonBody, stringField } from './shared/http';
import { expiresAfterDays, keys } from './shared/table';
import { METRIC } from './shared/metric-names';

const logger = new Logger();
const metrics = new Metrics();
const cognito = new CognitoIdentityProviderClient({});
const db = documentClient();
const clientId = requireEnv('USER_POOL_CLIENT_ID');
const tableName = requireEnv('TABLE_NAME');

/** Login attempts are kept this long (the item's TTL), long enough to investigate an incident. */
export const LOGIN_ATTEMPT_DAYS = 90;
export const MAX_USERNAME_LENGTH = MAX_EMAIL_LENGTH;
export const MAX_PASSWORD_LENGTH = PASSWORD_POLICY.maxLength;

/**
 * Cognito errors that mean "these credentials do not log in". They all get the same answer, so a
 * caller cannot tell an unknown user from a wrong password (A6).
 */
const REJECTED_CREDENTIALS = new Set(['NotAuthorizedException', 'UserNotFoundException', 'UserNotConfirmedException', 'PasswordResetRequiredException']);

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly tokenType: string;
}

/** What Cognito said, reduced to what the caller may learn. */
export type LoginResult =
  | { readonly kind: 'success'; readonly tokens: Tokens }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'challenge'; readonly challenge: string }
  | { readonly kind: 'throttled' };

/** The credentials of a POST /login body; throws BadRequest (400/413) for anything else. */
export function parseCredentials(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Credentials {
  const body = parseJsonBody(event);
  const username = stringField(body, 'username', MAX_USERNAME_LENGTH);
  if (!isEmail(username)) throw new BadRequest('"username" must be an email address');
  stringField(body, 'password', MAX_PASSWORD_LENGTH);
  // stringField trims, but spaces at either end are part of a password: pass it on as typed.
  return { username, password: body.password as string };
}

/** Maps a successful InitiateAuth call: tokens, or a challenge the page cannot complete. */
export function resultOf(output: InitiateAuthCommandOutput): LoginResult {
  if (output.ChallengeName) return { kind: 'challenge', challenge: output.ChallengeName };
  const auth = output.AuthenticationResult;
  if (!auth?.IdToken || !auth.AccessToken || auth.ExpiresIn === undefined || !auth.TokenType) {
    throw new Error('Cognito answered neither tokens nor a challenge');
  }
  return { kind: 'success', tokens: { idToken: auth.IdToken, accessToken: auth.AccessToken, expiresIn: auth.ExpiresIn, tokenType: auth.TokenType } };
}

/** Maps a failed InitiateAuth call; anything unexpected is rethrown (a 500). */
export function resultOfError(error: unknown): LoginResult {
  const name = (error as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && REJECTED_CREDENTIALS.has(name)) return { kind: 'rejected' };
  if (name === 'TooManyRequestsException') return { kind: 'throttled' };
  throw error;
}

export function responseFor(result: LoginResult): APIGatewayProxyStructuredResultV2 {
  switch (result.kind) {
    case 'success':
      return json(200, result.tokens);
    case 'rejected':
      return json(401, { error: 'invalid username or password' });
    case 'challenge':
      return json(403, { error: 'password change required' });
    case 'throttled':
      return json(429, { error: 'too many attempts, try again later' });
  }
}

/** The login-attempt item (A6); `expiresAt` is the table's TTL attribute. */
export function loginAttemptItem(username: string, succeeded: boolean, now: Date, region: string, requestId: string): Record<string, unknown> {
  return {
    ...keys.loginAttempt(username, now, region, requestId),
    outcome: succeeded ? 'success' : 'failure',
    region,
    at: now.toISOString(),
    expiresAt: expiresAfterDays(now, LOGIN_ATTEMPT_DAYS),
  };
}

async function authenticate({ username, password }: Credentials): Promise<LoginResult> {
  try {
    return resultOf(await cognito.send(new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: username, PASSWORD: password },
    })));
  } catch (error) {
    return resultOfError(error);
  }
}

/** POST /login (public) */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  const requestId = event.requestContext.requestId;
  try {
    const credentials = parseCredentials(event);
    const now = new Date();
    const region = currentRegion();
    let result: LoginResult | undefined;
    try {
      result = await authenticate(credentials);
    } finally {
      // Recorded even when Cognito itself failed (a 500): the attempt still happened.
      await recordAttempt(credentials.username, result?.kind === 'success', now, region, requestId);
    }
    logger.info('login attempt', { requestId, result: result.kind });
    return responseFor(result);
  } catch (error) {
    if (!(error instanceof BadRequest)) logger.error('login failed', { requestId, error: errorSummary(error) });
    return errorResponse(error);
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}

/**
 * Every attempt that reached Cognito is written before the caller gets an answer: if the audit
 * record cannot be written, the login fails (500) rather than go unrecorded.
 */
async function recordAttempt(username: string, succeeded: boolean, now: Date, region: string, requestId: string): Promise<void> {
  metrics.addMetric(succeeded ? METRIC.successfulLogins : METRIC.failedLogins, MetricUnit.Count, 1);
  await db.send(new PutCommand({ TableName: tableName, Item: loginAttemptItem(username, succeeded, now, region, requestId) }));
}

