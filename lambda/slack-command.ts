import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { documentClient } from './shared/clients';
import { FLAG_CACHE_MS, flagValue } from './shared/forced-failure';
import { readFlag, type FlagRead } from './shared/forced-failure-flag';
import { currentRegion, requireEnv } from './shared/environment';
import { errorSummary, json, MAX_BODY_BYTES } from './shared/http';
import { MAX_SKEW_SECONDS, verifySlackSignature, type Verification } from './shared/slack-signature';
import { keys } from './shared/table';
import { METRIC } from './shared/metric-names';

/**
 * POST /slack/commands — the `/regionalapp` slash command (A5, A14, A15), in every region:
 * `status`, `fail <region>`, `recover <region>`, `help`. Every request must carry a valid Slack
 * signature no more than five minutes old, seen for the first time (the signature is recorded in
 * TABLE_NAME with a TTL: a replay gets 401); a forged, stale, replayed or unsigned request gets a
 * 401 and changes nothing. A command received in either region can fail or recover any app region:
 * the flag is written in the target region (an SSM client for that region).
 *
 * The signing secret (SIGNING_SECRET_ARN, the secret's name) is read once per execution
 * environment and reused for SECRET_CACHE_MS; it is never logged or returned.
 */

const logger = new Logger();
const metrics = new Metrics();
const secrets = new SecretsManagerClient({});
const db = documentClient();
const tableName = requireEnv('TABLE_NAME');
const secretId = requireEnv('SIGNING_SECRET_ARN');
const flagParameter = requireEnv('FORCED_FAILURE_PARAMETER');
const appRegions = requireEnv('APP_REGIONS').split(',').map((region) => region.trim()).filter(Boolean);

/** The slash command this handler answers. */
export const COMMAND = '/regionalapp';
/** How long a read signing secret is reused before Secrets Manager is asked again (a rotation takes effect within this). */
export const SECRET_CACHE_MS = 5 * 60 * 1000;
/** Each SSM call is abandoned after this long, so the answer beats Slack's 3-second limit. */
export const SSM_TIMEOUT_MS = 1_000;

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'status' }
  | { readonly kind: 'fail' | 'recover'; readonly region: string }
  | { readonly kind: 'unknown'; readonly text: string }
  | { readonly kind: 'bad-region'; readonly action: 'fail' | 'recover'; readonly region?: string };

/** The command in a slash command's `text`; regions are checked against the app's regions. */
export function parseCommand(text: string, regions: readonly string[]): Command {
  const words = text.trim().split(/\s+/).filter(Boolean).map((word) => word.toLowerCase());
  const [verb, ...rest] = words;
  if (verb === undefined || verb === 'help') return rest.length === 0 ? { kind: 'help' } : { kind: 'unknown', text: text.trim() };
  if (verb === 'status') return rest.length === 0 ? { kind: 'status' } : { kind: 'unknown', text: text.trim() };
  if (verb === 'fail' || verb === 'recover') {
    if (rest.length !== 1 || !regions.includes(rest[0])) return { kind: 'bad-region', action: verb, region: rest.join(' ') || undefined };
    return { kind: verb, region: rest[0] };
  }
  return { kind: 'unknown', text: text.trim() };
}

export interface SlackReply {
  readonly response_type: 'ephemeral' | 'in_channel';
  readonly text: string;
}

const ephemeral = (text: string): SlackReply => ({ response_type: 'ephemeral', text });

export function helpText(regions: readonly string[]): string {
  return [
    `*${COMMAND}* controls RegionalApp in ${regions.join(' and ')}:`,
    `• \`${COMMAND} status\` — each region's state, who set it and when`,
    `• \`${COMMAND} fail <region>\` — make a region fail on purpose (/health and /click answer 503 there)`,
    `• \`${COMMAND} recover <region>\` — end a region's forced failure`,
    `• \`${COMMAND} help\` — this list`,
    `Regions: ${regions.map((region) => `\`${region}\``).join(', ')}`,
  ].join('\n');
}

/** One region's line in the `status` reply. */
export function statusLine(region: string, flag: FlagRead | { readonly error: string }): string {
  if ('error' in flag) return `:grey_question: *${region}*: its flag could not be read (${flag.error})`;
  const detail = [flag.by ? `by ${flag.by}` : '', flag.at ? `at ${flag.at}` : ''].filter(Boolean).join(' ');
  if (flag.failing) return `:rotating_light: *${region}*: failing on purpose (set ${detail || 'by an unknown user'})`;
  return `:white_check_mark: *${region}*: serving${detail ? ` (last recovered ${detail})` : ''}`;
}

export function commandReply(command: Command, regions: readonly string[]): SlackReply | undefined {
  switch (command.kind) {
    case 'help':
      return ephemeral(helpText(regions));
    case 'unknown':
      return ephemeral(`Unknown command \`${command.text.slice(0, 100)}\`.\n${helpText(regions)}`);
    case 'bad-region':
      return ephemeral(command.region
        ? `\`${command.region.slice(0, 100)}\` is not a region of this app. \`${COMMAND} ${command.action}\` takes one of: ${regions.map((region) => `\`${region}\``).join(', ')}.`
        : `\`${COMMAND} ${command.action}\` needs a region: one of ${regions.map((region) => `\`${region}\``).join(', ')}.`);
    default:
      return undefined;
  }
}

/** The in-channel announcement of a fail or recover: the whole channel hears that a region was failed on purpose. */
export function changeReply(action: 'fail' | 'recover', region: string, by: string, at: Date): SlackReply {
  const seconds = FLAG_CACHE_MS / 1000;
  return action === 'fail'
    ? { response_type: 'in_channel', text: `:rotating_light: ${by} failed *${region}* on purpose at ${at.toISOString()}: its /health and /click answer 503 within ${seconds} s. \`${COMMAND} recover ${region}\` ends it.` }
    : { response_type: 'in_channel', text: `:white_check_mark: ${by} recovered *${region}* at ${at.toISOString()}: it serves again within ${seconds} s.` };
}

/** The request body's exact bytes: HTTP APIs base64-encode form bodies. */
export function rawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

const REJECTIONS: Record<Exclude<Verification, { ok: true }>['reason'] | 'replayed', string> = {
  unsigned: 'missing Slack signature headers',
  stale: `request timestamp is more than ${MAX_SKEW_SECONDS / 60} minutes off`,
  forged: 'invalid Slack signature',
  replayed: 'request already received',
};

function unauthorized(reason: keyof typeof REJECTIONS): APIGatewayProxyStructuredResultV2 {
  metrics.addMetric(METRIC.slackCommandsRejected, MetricUnit.Count, 1);
  logger.warn('slack request rejected', { reason });
  return json(401, { error: REJECTIONS[reason] });
}

let cachedSecret: { readonly value: string; readonly readAt: number } | undefined;

async function signingSecret(): Promise<string> {
  if (cachedSecret && Date.now() - cachedSecret.readAt < SECRET_CACHE_MS) return cachedSecret.value;
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString?.trim()) throw new Error('the signing secret (SIGNING_SECRET_ARN) is empty; put the Slack app\'s signing secret in it');
  cachedSecret = { value: SecretString.trim(), readAt: Date.now() };
  return cachedSecret.value;
}

/** Forgets the cached signing secret; for tests. */
export function resetCaches(): void {
  cachedSecret = undefined;
  ssmClients.clear();
}

const ssmClients = new Map<string, SSMClient>();
function ssmIn(region: string): SSMClient {
  let client = ssmClients.get(region);
  if (!client) {
    client = new SSMClient({ region, maxAttempts: 2, requestHandler: { requestTimeout: SSM_TIMEOUT_MS, connectionTimeout: SSM_TIMEOUT_MS } });
    ssmClients.set(region, client);
  }
  return client;
}

/** Records the signature; false when it was already recorded (a replay). */
async function firstSighting(signature: string, timestampSeconds: number): Promise<boolean> {
  try {
    await db.send(new PutCommand({
      TableName: tableName,
      Item: { ...keys.slackRequest(signature), receivedIn: currentRegion(), expiresAt: timestampSeconds + 2 * MAX_SKEW_SECONDS },
      ConditionExpression: 'attribute_not_exists(pk)',
    }));
    return true;
  } catch (error) {
    if ((error as { name?: unknown }).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

async function status(): Promise<SlackReply> {
  const lines = await Promise.all(appRegions.map(async (region) => {
    try {
      return statusLine(region, await readFlag(ssmIn(region), flagParameter));
    } catch (error) {
      logger.error('flag unreadable', { region, error: errorSummary(error) });
      return statusLine(region, { error: (error as { name?: string }).name ?? 'error' });
    }
  }));
  return ephemeral(lines.join('\n'));
}

async function change(action: 'fail' | 'recover', region: string, by: string): Promise<SlackReply> {
  const at = new Date();
  try {
    await ssmIn(region).send(new PutParameterCommand({ Name: flagParameter, Value: flagValue(action === 'fail', by, at), Type: 'String', Overwrite: true }));
  } catch (error) {
    logger.error('flag not written', { region, action, error: errorSummary(error) });
    return ephemeral(`:warning: Could not ${action} *${region}* (${(error as { name?: string }).name ?? 'error'}); nothing changed. Try again, or see the slack-command function's logs in ${currentRegion()}.`);
  }
  metrics.addMetric(action === 'fail' ? METRIC.forcedFailuresSet : METRIC.forcedFailuresCleared, MetricUnit.Count, 1);
  logger.info('forced failure changed', { region, action, by });
  return changeReply(action, region, by, at);
}

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  metrics.captureColdStartMetric(context.functionName);
  try {
    const body = rawBody(event);
    if (body.length > MAX_BODY_BYTES) return json(413, { error: `request body is larger than ${MAX_BODY_BYTES} bytes` });
    const verified = verifySlackSignature(event.headers, body, await signingSecret(), Math.floor(Date.now() / 1000));
    if (!verified.ok) return unauthorized(verified.reason);
    if (!(await firstSighting(verified.signature, verified.timestampSeconds))) return unauthorized('replayed');

    const form = new URLSearchParams(body.toString('utf8'));
    const command = parseCommand(form.get('text') ?? '', appRegions);
    const by = form.get('user_name') || form.get('user_id') || 'someone';
    metrics.addMetric(METRIC.slackCommands, MetricUnit.Count, 1);
    const reply = commandReply(command, appRegions)
      ?? (command.kind === 'status' ? await status() : await change(command.kind as 'fail' | 'recover', (command as { region: string }).region, by));
    return json(200, reply);
  } catch (error) {
    logger.error('slack command failed', { error: errorSummary(error) });
    return json(500, { error: 'internal error' });
  } finally {
    // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
