import { setTimeout as delay } from 'node:timers/promises';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SNSEvent, SNSMessage } from 'aws-lambda';
import { documentClient } from './shared/clients';
import { currentRegion, REGION_NAME, requireEnv } from './shared/environment';
import { expiresAfterDays, keys } from './shared/table';
import { METRIC } from './shared/metric-names';

/**
 * The Slack alarm notifier (A13): the region's alarm topic → this function → the Slack incoming
 * webhook whose URL is the SecretString of WEBHOOK_SECRET_ARN. Every delivery, delivered or not, is
 * recorded in TABLE_NAME (`keys.delivery`) with its outcome and, for a failure, its kind
 * (`failureKind`), which is how the post-deploy check and the local environment prove the alarm path.
 *
 * The release check's alarm (CHECK_ALARM_NAME, `alarmNames().alarmPathCheck`) is set to ALARM by
 * every release's post-deploy check: its ALARM is posted as one short informational line, and its
 * return to OK is recorded but not posted, so a release adds one calm line to the channel.
 *
 * The webhook URL is a credential: whoever has it can post to the channel. It is never logged, never
 * recorded and never put in an error message — failures are described by status code or error name.
 */

const logger = new Logger();
const metrics = new Metrics();
const secrets = new SecretsManagerClient({});
const db = documentClient();

/** How long a read webhook URL is reused before Secrets Manager is asked again (A18). */
export const SECRET_CACHE_MS = 5 * 60 * 1000;
/** How long delivery records are kept. */
export const DELIVERY_RECORD_DAYS = 30;
/** Delivery attempts per message, the first included. */
export const MAX_ATTEMPTS = 3;
/** The wait before retry n (0-based) is BASE_DELAY_MS × 2^n. */
export const BASE_DELAY_MS = 250;
/** Each POST is abandoned after this long. */
export const REQUEST_TIMEOUT_MS = 3000;
/** A 429's `retry-after` up to this many seconds is waited out; a longer one ends the retries. */
export const MAX_RETRY_AFTER_SECONDS = 3;
/** The record key of a delivery that carried a plain SNS message rather than an alarm. */
export const NOTICE_NAME = 'sns-notice';

// ---------------------------------------------------------------------------------------------
// Alarm messages and their Slack formatting (pure)
// ---------------------------------------------------------------------------------------------

export type AlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

/** The parts of a CloudWatch alarm state-change message the notifier uses. */
export interface AlarmChange {
  readonly name: string;
  readonly description?: string;
  readonly state: AlarmState;
  readonly previousState?: string;
  readonly reason?: string;
  readonly changedAt?: string;
  /** The alarm's region code, e.g. us-east-1. */
  readonly region: string;
}

interface TextObject {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export type SlackBlock =
  | { readonly type: 'section'; readonly text: TextObject }
  | { readonly type: 'context'; readonly elements: readonly TextObject[] };

/** An incoming-webhook payload: `text` is the notification fallback, `blocks` the rich layout. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
}

const STATES: readonly AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];
const STATE_EMOJI: Record<AlarmState, string> = {
  ALARM: ':rotating_light:',
  OK: ':white_check_mark:',
  INSUFFICIENT_DATA: ':grey_question:',
};
/** Slack rejects section texts over 3,000 characters; reasons and notices stay well below. */
const MAX_DETAIL_CHARS = 1500;

/**
 * The alarm state change in an SNS message, or undefined when the message is not one.
 * CloudWatch's `Region` field holds the region's display name ("US East (N. Virginia)"), so the
 * region code comes from `AlarmArn`, then from `Region` if it is a code, then from `fallbackRegion`
 * (the notifier's own region: each region's topic only carries that region's alarms).
 */
export function parseAlarmChange(message: string, fallbackRegion: string): AlarmChange | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  const name = optionalString(fields.AlarmName);
  const state = fields.NewStateValue;
  if (!name || !STATES.includes(state as AlarmState)) return undefined;
  return {
    name,
    description: optionalString(fields.AlarmDescription),
    state: state as AlarmState,
    previousState: optionalString(fields.OldStateValue),
    reason: optionalString(fields.NewStateReason),
    changedAt: optionalString(fields.StateChangeTime),
    region: alarmRegion(fields, fallbackRegion),
  };
}

function alarmRegion(fields: Record<string, unknown>, fallbackRegion: string): string {
  const fromArn = optionalString(fields.AlarmArn)?.split(':')[3];
  if (fromArn && REGION_NAME.test(fromArn)) return fromArn;
  const region = optionalString(fields.Region);
  if (region && REGION_NAME.test(region)) return region;
  return fallbackRegion;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The release check's ALARM: one line that says it is a check and that nobody needs to act. */
export function formatReleaseCheck(alarm: AlarmChange): SlackMessage {
  return { text: `:white_check_mark: release check: alarm path works in ${alarm.region}, no action needed` };
}

/** ":rotating_light: ALARM — <name> (<region>)", then the reason and when it changed. */
export function formatAlarm(alarm: AlarmChange): SlackMessage {
  const headline = `${STATE_EMOJI[alarm.state]} ${alarm.state} — ${escape(alarm.name)} (${alarm.region})`;
  const reason = alarm.reason ? escape(truncate(alarm.reason)) : undefined;
  const description = alarm.description ? escape(truncate(alarm.description)) : undefined;
  const when = [
    alarm.changedAt ? `at ${escape(alarm.changedAt)}` : undefined,
    alarm.previousState ? `(was ${escape(alarm.previousState)})` : undefined,
  ].filter(Boolean).join(' ');

  const text = [headline, reason, when].filter(Boolean).join('\n');
  const blocks: SlackBlock[] = [section(`*${headline}*`)];
  const details = [description, reason].filter(Boolean).join('\n');
  if (details) blocks.push(section(details));
  if (when) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `State changed ${when}` }] });
  return { text, blocks };
}

/** Any other SNS message (a test publish, a hand-written notice) is passed on as plain text. */
export function formatNotice(message: string, subject?: string): SlackMessage {
  const title = escape(subject?.trim() || 'Notice from the alarm topic');
  return { text: `:information_source: ${title}\n${escape(truncate(message.trim()))}` };
}

/** Slack reads &, < and > in text as markup (links, mentions); alarm text must stay literal. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS - 1)}…` : text;
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

// ---------------------------------------------------------------------------------------------
// The webhook URL
// ---------------------------------------------------------------------------------------------

/** The deployment's webhook secret is unusable; the message says what to fix, never the value. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

/**
 * The webhook URL held in the secret: https, or http only to this machine (the local environment's
 * Slack stand-in). Throws a ConfigurationError that contains no part of the value.
 */
export function parseWebhookUrl(secretValue: string | undefined): URL {
  const problem = 'the webhook secret (WEBHOOK_SECRET_ARN) must hold a Slack incoming-webhook URL starting with https:// '
    + '(http:// only for localhost or 127.0.0.1); its value is not shown. Put the right URL in the secret and invoke again.';
  let url: URL;
  try {
    url = new URL((secretValue ?? '').trim());
  } catch {
    // The parse error carries the input, so it is not passed on.
    throw new ConfigurationError(`${problem} (it is not a URL)`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname)) return url;
  throw new ConfigurationError(`${problem} (its scheme is ${url.protocol === 'http:' ? 'http to a remote host' : 'not http(s)'})`);
}

// ---------------------------------------------------------------------------------------------
// Delivery with retries
// ---------------------------------------------------------------------------------------------

export interface DeliveryDependencies {
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface DeliveryResult {
  readonly outcome: 'delivered' | 'failed';
  readonly attempts: number;
  /** The last HTTP status Slack answered, if it answered at all. */
  readonly httpStatus?: number;
  /** Why the last attempt failed: a status code or an error name, never a message (it may hold the URL). */
  readonly reason?: string;
}

/**
 * Why a delivery failed, as the post-deploy check needs to know it:
 * - `misconfigured`: the webhook secret is unusable (not an https URL, or a host that does not exist);
 * - `rejected`: the webhook answered and refused (4xx other than 429, or a redirect) — Slack's
 *   invalid_payload, invalid_token, no_service, channel_not_found, channel_is_archived…: ours to fix;
 * - `unavailable`: no answer, a timeout, 429 or 5xx after the retries — Slack is having trouble.
 */
export type FailureKind = 'misconfigured' | 'rejected' | 'unavailable';

export function failureKind(result: DeliveryResult): FailureKind | undefined {
  if (result.outcome === 'delivered') return undefined;
  if (result.reason === 'ConfigurationError' || /\/ENOTFOUND$/.test(result.reason ?? '')) return 'misconfigured';
  if (result.httpStatus !== undefined && result.httpStatus !== 429 && result.httpStatus < 500) return 'rejected';
  return 'unavailable';
}

const defaultDependencies: DeliveryDependencies = {
  // Looked up per call, so the runtime's fetch is used as it is at that moment.
  fetch: (input, init) => globalThis.fetch(input, init),
  sleep: async (ms) => { await delay(ms); },
};

/**
 * POSTs the payload to the webhook: up to MAX_ATTEMPTS tries, retrying network errors, timeouts,
 * 429 (after its `retry-after` if small) and 5xx with exponential backoff; other statuses are final.
 */
export async function deliver(url: URL, payload: SlackMessage, dependencies: Partial<DeliveryDependencies> = {}): Promise<DeliveryResult> {
  const { fetch, sleep } = { ...defaultDependencies, ...dependencies };
  const body = JSON.stringify(payload);
  let httpStatus: number | undefined;
  let reason = 'not attempted';

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let retryAfterSeconds: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        // A webhook never redirects; following one would send the alarm somewhere else.
        redirect: 'manual',
      });
      httpStatus = response.status;
      await discardBody(response);
      if (response.ok) return { outcome: 'delivered', attempts: attempt, httpStatus };
      reason = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) return { outcome: 'failed', attempts: attempt, httpStatus, reason };
      if (response.status === 429) retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
    } catch (error) {
      httpStatus = undefined;
      reason = describeError(error);
    }

    if (attempt === MAX_ATTEMPTS) break;
    if (retryAfterSeconds !== undefined && retryAfterSeconds > MAX_RETRY_AFTER_SECONDS) {
      reason = `${reason} (retry-after ${retryAfterSeconds} s is longer than ${MAX_RETRY_AFTER_SECONDS} s)`;
      return { outcome: 'failed', attempts: attempt, httpStatus, reason };
    }
    const waitMs = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 : BASE_DELAY_MS * 2 ** (attempt - 1);
    logger.warn('Slack delivery attempt failed; retrying', { attempt, reason, retryInMs: waitMs });
    await sleep(waitMs);
  }
  return { outcome: 'failed', attempts: MAX_ATTEMPTS, httpStatus, reason };
}

/** `retry-after` in whole seconds; the HTTP-date form is treated as absent. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** Frees the connection; Slack's body ("ok", "invalid_payload") is not needed. */
async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

/** An error's name and system code (TimeoutError, TypeError/ECONNREFUSED) — never its message. */
export function describeError(error: unknown): string {
  // Read by shape, not instanceof: fetch's DOMException and errors from other realms are errors too.
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; cause?: { code?: unknown } };
  const safeName = typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'UnknownError';
  const code = cause?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? `${safeName}/${code}` : safeName;
}

// ---------------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------------

/** What a delivery record says happened: posted, failed, or — the release check's OK — not posted on purpose. */
export type RecordedOutcome = DeliveryResult['outcome'] | 'not posted';

export interface NotifierDependencies extends DeliveryDependencies {
  /** The clock for record times and the secret cache. */
  readonly now: () => Date;
}

/**
 * Builds the SNS handler. The webhook URL cache lives as long as the handler (the execution
 * environment, for the exported `handler`); tests build their own with a fake fetch, sleep and clock.
 */
export function createNotifier(overrides: Partial<NotifierDependencies> = {}): (event: SNSEvent, context: Context) => Promise<void> {
  const dependencies: NotifierDependencies = { ...defaultDependencies, now: () => new Date(), ...overrides };
  let cachedUrl: { readonly url: URL; readonly readAt: number } | undefined;

  async function webhookUrl(now: Date): Promise<URL> {
    if (cachedUrl && now.getTime() - cachedUrl.readAt < SECRET_CACHE_MS) return cachedUrl.url;
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: requireEnv('WEBHOOK_SECRET_ARN') }));
    const url = parseWebhookUrl(secret.SecretString);
    cachedUrl = { url, readAt: now.getTime() };
    return url;
  }

  async function notify(message: SNSMessage, tableName: string, region: string): Promise<{ readonly name: string; readonly outcome: RecordedOutcome; readonly attempts: number; readonly reason?: string }> {
    const now = dependencies.now();
    const alarm = parseAlarmChange(message.Message, region);
    const name = alarm?.name ?? NOTICE_NAME;
    if (!alarm) logger.info('SNS message is not an alarm state change; delivering it as a notice', { messageId: message.MessageId });
    const releaseCheck = alarm !== undefined && alarm.name === process.env.CHECK_ALARM_NAME;

    if (releaseCheck && alarm.state !== 'ALARM') {
      // The check alarm going back to OK by itself: recorded, so the path stays visible, not posted.
      await db.send(new PutCommand({
        TableName: tableName,
        Item: { ...keys.delivery(name, now), outcome: 'not posted', attempts: 0, state: alarm.state, region: alarm.region, expiresAt: expiresAfterDays(now, DELIVERY_RECORD_DAYS) },
      }));
      logger.info('Release check alarm state recorded; not posted', { alarmName: name, state: alarm.state });
      return { name, outcome: 'not posted', attempts: 0 };
    }
    const payload = releaseCheck ? formatReleaseCheck(alarm) : alarm ? formatAlarm(alarm) : formatNotice(message.Message, message.Subject ?? undefined);

    let result: DeliveryResult;
    try {
      result = await deliver(await webhookUrl(now), payload, dependencies);
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      logger.error('Slack notifier is misconfigured; nothing was posted', { alarmName: name, problem: error.message });
      result = { outcome: 'failed', attempts: 0, reason: error.name };
    }

    await db.send(new PutCommand({
      TableName: tableName,
      Item: {
        ...keys.delivery(name, now),
        outcome: result.outcome,
        attempts: result.attempts,
        httpStatus: result.httpStatus,
        failureReason: result.reason,
        failureKind: failureKind(result),
        state: alarm?.state,
        region: alarm?.region ?? region,
        expiresAt: expiresAfterDays(now, DELIVERY_RECORD_DAYS),
      },
    }));
    metrics.addMetric(result.outcome === 'delivered' ? METRIC.slackDeliveries : METRIC.slackDeliveryFailures, MetricUnit.Count, 1);
    const summary = { alarmName: name, state: alarm?.state, outcome: result.outcome, attempts: result.attempts, httpStatus: result.httpStatus, reason: result.reason, failureKind: failureKind(result) };
    if (result.outcome === 'delivered') logger.info('Slack delivery recorded', summary);
    else logger.error('Slack delivery failed and was recorded', summary);
    return { ...result, name };
  }

  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const tableName = requireEnv('TABLE_NAME');
    const region = currentRegion();
    const failures: string[] = [];
    try {
      for (const record of event.Records) {
        const result = await notify(record.Sns, tableName, region);
        if (result.outcome === 'failed') failures.push(`${result.name} (${result.attempts} attempt(s): ${result.reason})`);
      }
    } finally {
      // Guarded: an empty flush (a rejected request) would only log a Powertools warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
    // Thrown so the failure counts in the function's Errors metric; the record above says why.
    if (failures.length > 0) throw new Error(`Slack delivery failed for ${failures.join(', ')}`);
  };
}

/** SNS → Slack; one handler (and one cached webhook URL) per execution environment. */
export const handler = createNotifier();
