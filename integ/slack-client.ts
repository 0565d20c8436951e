import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { slackSignature } from '../lambda/shared/slack-signature';
import { loadConfig } from '../lib/config';
import { PARAMETER_KEYS, parameterPath, SLACK_ROUTES } from '../lib/names';
import { callJson, type JsonResponse, type Target } from './target';

/**
 * Slash commands sent to a region's Slack command API as Slack sends them: a form body signed with
 * the Slack app's signing secret (read from Secrets Manager, as the check role may).
 */

export interface SignedRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

export interface SlackEndpoint {
  readonly commandsUrl: string;
  readonly signingSecret: string;
}

/** The region's command URL (from SSM) and signing secret; a missing one fails with what to create. */
export async function slackEndpoint(target: Target): Promise<SlackEndpoint> {
  const config = loadConfig();
  const name = parameterPath(target.names, PARAMETER_KEYS.slackApiUrl);
  const { Parameter } = await new SSMClient({ region: target.region }).send(new GetParameterCommand({ Name: name }));
  if (!Parameter?.Value) throw new Error(`The Slack API URL parameter ${name} is empty: is the Slack stack deployed?`);
  const secretName = config.slack.signingSecretName;
  const { SecretString } = await new SecretsManagerClient({ region: target.region }).send(new GetSecretValueCommand({ SecretId: secretName })).catch((error: Error) => {
    throw new Error(`Cannot read the Slack signing secret ${secretName} in ${target.region} (${error.name}): create it there (README, "Slack commands and forced failure").`);
  });
  if (!SecretString) throw new Error(`The signing secret ${secretName} is empty in ${target.region}`);
  return { commandsUrl: `${Parameter.Value.replace(/\/$/, '')}${SLACK_ROUTES.commands}`, signingSecret: SecretString.trim() };
}

/** `/regionalapp <text>` from `userName`, signed with `secret` at `timestamp` (now by default). */
export function signedCommand(secret: string, text: string, options: { timestamp?: number; userName?: string } = {}): SignedRequest {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const body = new URLSearchParams({
    token: 'e2e', team_id: 'T0E2E', channel_id: 'C0E2E', channel_name: 'e2e', user_id: 'U0E2E', user_name: options.userName ?? 'e2e',
    command: '/regionalapp', text, response_url: 'https://hooks.slack.com/commands/e2e',
    // Unique per request, as Slack's is: two identical requests in one second would be one signature, a replay.
    trigger_id: `e2e.${randomBytes(8).toString('hex')}`,
  }).toString();
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, body),
    },
  };
}

/**
 * Posts a request as Slack would. The API's throttle (SLACK_API_THROTTLE: a burst of 5) answers a
 * quick series of commands 429 at the edge, before the function sees them; such a request is sent
 * again after a pause, as a person would type it again.
 */
export async function sendSlackRequest(url: string, request: SignedRequest): Promise<JsonResponse> {
  for (let attempt = 1; ; attempt++) {
    const response = await callJson(url, { method: 'POST', headers: request.headers, body: request.body });
    if (response.status !== 429 || attempt === 5) return response;
    await new Promise((resolve) => setTimeout(resolve, 400 * attempt));
  }
}
