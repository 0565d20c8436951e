import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SSMClient } from '@aws-sdk/client-ssm';
import { loadConfig } from '../lib/config';
import { alarmNames, parameterPath, PARAMETER_KEYS, queueNames, type NameScope } from '../lib/names';
import { addUser, removeUser } from '../cli/users-cli';

/**
 * The region under test (E1): a deployed region (the pipeline's post-deploy step sets API_URL from
 * the stack output and AWS_REGION/EXPECTED_REGION) or a local one (`npm run test:e2e`). Everything
 * else is derived from cdk.json's config and lib/names.ts — the same names the stacks use.
 */
export interface Target {
  readonly apiUrl: string;
  readonly region: string;
  /** Region A, the first app region: it owns the global table, its change stream and the analytics bucket. */
  readonly primaryRegion: string;
  readonly names: NameScope;
  readonly parameters: { readonly tableName: string; readonly apiId: string };
  readonly failedLoginsAlarm: string;
  /** The alarm that exists for the check alone: SetAlarmState on it proves the Slack path. */
  readonly alarmPathCheckAlarm: string;
  /** Failed logins within five minutes that raise the alarm (cdk.json's alarms). */
  readonly failedLoginsThreshold: number;
  readonly clickDlq: string;
  /** How long the failed-logins alarm may take to reach Slack: minutes deployed (metric delay), seconds locally. */
  readonly alarmTimeoutMs: number;
  /** How long the check alarm's SetAlarmState may take to be recorded by the notifier (no metric delay). */
  readonly checkAlarmTimeoutMs: number;
  /** The other region, when the run covers both (PEER_API_URL, PEER_REGION): cross-region counting. */
  readonly peer?: { readonly apiUrl: string; readonly region: string; readonly credentials?: PeerCredentials };
  /**
   * A production region, shared with real users (E2E_PRODUCTION=true, set by the pipeline's check).
   * The suite then proves each path without disturbing it: counters are checked to grow by at least
   * the suite's clicks (real users click too), the test user fails at most one login, the Slack path
   * is proved through the check alarm (not the real failed-logins alarm), and the login throttle by
   * the deployed stage's settings (not by a burst that would drain real users' logins).
   */
  readonly production: boolean;
  /** The local Slack stand-in's messages for this region (SLACK_MESSAGES_URL); local runs only. */
  readonly slackMessagesUrl?: string;
}

export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Target {
  const apiUrl = env.API_URL;
  const region = env.EXPECTED_REGION ?? env.AWS_REGION;
  if (!apiUrl || !/^https?:\/\//.test(apiUrl)) {
    throw new Error(`API_URL must be the base URL of the region's user API (got ${JSON.stringify(apiUrl)}).`);
  }
  if (!region) throw new Error('EXPECTED_REGION (or AWS_REGION) must name the region under test.');
  const config = loadConfig();
  const names: NameScope = { project: config.project, stageName: env.STAGE_NAME ?? config.stageName, region };
  return {
    apiUrl: apiUrl.replace(/\/$/, ''),
    region,
    names,
    primaryRegion: config.appRegions[0],
    parameters: {
      tableName: parameterPath(names, PARAMETER_KEYS.tableName),
      apiId: parameterPath(names, PARAMETER_KEYS.apiId),
    },
    failedLoginsAlarm: alarmNames(names).failedLogins,
    alarmPathCheckAlarm: alarmNames(names).alarmPathCheck,
    failedLoginsThreshold: config.alarms.failedLoginsPerFiveMinutes,
    clickDlq: queueNames(names).clickDlq,
    alarmTimeoutMs: Number(env.ALARM_TIMEOUT_SECONDS ?? 480) * 1000,
    checkAlarmTimeoutMs: Number(env.CHECK_ALARM_TIMEOUT_SECONDS ?? 120) * 1000,
    peer: env.PEER_API_URL && env.PEER_REGION ? { apiUrl: env.PEER_API_URL.replace(/\/$/, ''), region: env.PEER_REGION, credentials: peerCredentials(env) } : undefined,
    production: env.E2E_PRODUCTION === 'true',
    slackMessagesUrl: env.SLACK_MESSAGES_URL,
  };
}

/**
 * The peer region's own check-role credentials (PEER_AWS_*; local runs): each region's check role
 * may manage users in its own region only, as in the pipeline.
 */
interface PeerCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

function peerCredentials(env: NodeJS.ProcessEnv): PeerCredentials | undefined {
  if (!env.PEER_AWS_ACCESS_KEY_ID || !env.PEER_AWS_SECRET_ACCESS_KEY) return undefined;
  return { accessKeyId: env.PEER_AWS_ACCESS_KEY_ID, secretAccessKey: env.PEER_AWS_SECRET_ACCESS_KEY, sessionToken: env.PEER_AWS_SESSION_TOKEN };
}

/** Throwaway users, added and removed in a region of the target's stage the way `npm run users` does. */
export function testUsers(target: Target) {
  const access = (region: string) => {
    const credentials = region === target.peer?.region ? target.peer.credentials : undefined;
    return {
      config: { project: target.names.project, stageName: target.names.stageName, appRegions: [region] },
      cognitoFor: () => new CognitoIdentityProviderClient({ region, credentials }),
      ssmFor: () => new SSMClient({ region, credentials }),
    };
  };
  return {
    add: (email: string, password: string, region = target.region) => addUser(access(region), region, email, password),
    remove: (email: string, region = target.region) => removeUser(access(region), region, email),
  };
}

export interface JsonResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** Calls the API and parses its JSON answer; a non-JSON answer is a failure in itself. */
export async function callJson(url: string, init: RequestInit = {}): Promise<JsonResponse> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Polls `check` until it returns a value, or fails with what it last saw. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 1_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
