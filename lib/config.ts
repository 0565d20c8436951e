/**
 * The one typed, validated configuration of the project (P9).
 *
 * It comes from the `regionalApp` key of `cdk.json` context (override on the command line with
 * `-c regionalApp='{"...": "..."}'` — a JSON string is accepted too). Only `bin/` and this module
 * read context; constructs get the typed value as props.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const CONTEXT_KEY = 'regionalApp';

/** The values a fresh clone ships with. They synthesize, and every deploy path refuses them. */
const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_CONNECTION_ARN =
  'arn:aws:codeconnections:us-east-1:000000000000:connection/00000000-0000-0000-0000-000000000000';
const PLACEHOLDER_SLACK_ID = 'PLACEHOLDER';

type RolloutMode = 'wave' | 'sequential';

interface SlackConfig {
  /** Slack workspace (team) ID, as AWS Chatbot shows it after you authorize the workspace. */
  readonly workspaceId: string;
  /** Slack channel ID that receives pipeline notifications. */
  readonly channelId: string;
  /** Secrets Manager secret name holding the app's incoming-webhook URL (alarm notifier). */
  readonly webhookSecretName: string;
  /** Secrets Manager secret name holding the Slack app's signing secret (slash commands). */
  readonly signingSecretName: string;
}

export interface AlarmThresholds {
  /** Failed logins per 5 minutes in one region that raise the failed-login alarm. */
  readonly failedLoginsPerFiveMinutes: number;
  /** Lambda error rate (percent of invocations, per 5 minutes) that raises the error-rate alarm. */
  readonly errorRatePercent: number;
}

export interface CustomDomainConfig {
  /** Route 53 hosted zone name, e.g. example.com. */
  readonly zoneName: string;
  /** Hosted zone ID of that zone. */
  readonly hostedZoneId: string;
  /** The API host name that latency records and health checks route, e.g. api.example.com. */
  readonly apiDomainName: string;
  /** The site's own host name, served by region A's distribution, e.g. www.example.com. */
  readonly siteDomainName?: string;
}

export interface WafConfig {
  /** Puts a web ACL on every CloudFront distribution and every user pool (A22); a fixed monthly fee each. */
  readonly enabled: boolean;
  /** Requests one client IP may make in 5 minutes before the rate-based rule blocks it. */
  readonly rateLimitPerFiveMinutes: number;
}

export interface AppConfig {
  /** Short lowercase project name used in resource names and tags. */
  readonly project: string;
  /** The deployment stage name used in names and tags (e.g. prod). */
  readonly stageName: string;
  /** The AWS account that hosts the pipeline and both regions. */
  readonly account: string;
  /** The region of the pipeline. */
  readonly pipelineRegion: string;
  /** The ordered app regions: [0] is region A (primary; owns the global table), [1] region B, … */
  readonly appRegions: readonly string[];
  /** `owner/repo` of the source repository. */
  readonly repository: string;
  readonly branch: string;
  /** ARN of the CodeConnections connection to the repository host. */
  readonly connectionArn: string;
  readonly rollout: RolloutMode;
  readonly slack: SlackConfig;
  /** Probability (0–1) that a click fails on purpose (A8). */
  readonly randomFailureRate: number;
  readonly alarms: AlarmThresholds;
  readonly customDomain?: CustomDomainConfig;
  readonly waf: WafConfig;
  /**
   * P11: after each region's check, the pipeline fails that region on purpose through its signed
   * Slack command, checks that another region serves, and recovers it. Off by default.
   */
  readonly failoverDrill: boolean;
}

/** Thrown for any bad configuration value; the message names the key and what to set. */
export class ConfigError extends Error {
  constructor(key: string, problem: string, hint: string) {
    super(`Invalid cdk.json context "${key ? `${CONTEXT_KEY}.${key}` : CONTEXT_KEY}": ${problem}. ${hint}`);
    this.name = 'ConfigError';
  }
}

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const ACCOUNT = /^\d{12}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const REPOSITORY = /^[\w.-]+\/[\w./-]+$/;
const NAME = /^[a-z][a-z0-9-]{1,19}$/;

type Raw = Record<string, unknown>;

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function asObject(value: unknown, key: string): Raw {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(key, `expected an object, got ${describe(value)}`, 'See the configuration table in README.md.');
  }
  return value as Raw;
}

function rejectUnknownKeys(raw: Raw, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${prefix}${key}`,
        'unknown key',
        `Remove it or fix its spelling; allowed keys here: ${allowed.join(', ')}.`,
      );
    }
  }
}

function str(raw: Raw, key: string, pattern: RegExp, hint: string, prefix = ''): string {
  const value = raw[key];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new ConfigError(`${prefix}${key}`, `expected ${hint}, got ${describe(value)}`, `Set "${prefix}${key}" in cdk.json.`);
  }
  return value;
}

function num(raw: Raw, key: string, min: number, max: number, prefix = ''): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(
      `${prefix}${key}`,
      `expected a number from ${min} to ${max}, got ${describe(value)}`,
      `Set "${prefix}${key}" in cdk.json.`,
    );
  }
  return value;
}

function regions(raw: Raw): string[] {
  const value = raw.appRegions;
  if (!Array.isArray(value) || value.length < 2 || !value.every((r) => typeof r === 'string' && REGION.test(r))) {
    throw new ConfigError(
      'appRegions',
      `expected an ordered list of at least two region names like ["us-east-1", "us-west-2"], got ${describe(value)}`,
      'Region A comes first; it owns the global table.',
    );
  }
  if (new Set(value).size !== value.length) {
    throw new ConfigError('appRegions', `a region is listed twice in ${describe(value)}`, 'List each region once.');
  }
  return value as string[];
}

const TOP_KEYS = [
  'project', 'stageName', 'account', 'pipelineRegion', 'appRegions', 'repository', 'branch',
  'connectionArn', 'rollout', 'slack', 'randomFailureRate', 'alarms', 'customDomain', 'waf', 'failoverDrill',
] as const;

/** WAF is off unless cdk.json turns it on; this is the rate-based rule's limit when it does. */
export const DEFAULT_WAF_RATE_LIMIT = 1000;

/** Validates raw context (an object, or a JSON string of one) and returns the typed config. */
export function parseConfig(input: unknown): AppConfig {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ConfigError('', 'the value passed with -c is not valid JSON', 'Pass an object, e.g. -c regionalApp=\'{"rollout":"wave",...}\'.');
    }
  }
  if (value === undefined) {
    throw new ConfigError('', 'missing', `Add a "${CONTEXT_KEY}" object to the "context" of cdk.json (see README.md).`);
  }
  const raw = asObject(value, '');
  rejectUnknownKeys(raw, TOP_KEYS, '');

  const rollout = raw.rollout ?? 'wave';
  if (rollout !== 'wave' && rollout !== 'sequential') {
    throw new ConfigError('rollout', `expected "wave" or "sequential", got ${describe(rollout)}`, 'Leave it out for the default, "wave".');
  }

  const slackRaw = asObject(raw.slack, 'slack');
  rejectUnknownKeys(slackRaw, ['workspaceId', 'channelId', 'webhookSecretName', 'signingSecretName'], 'slack.');
  const slackId = /^[A-Z0-9]{3,20}$/;
  const secretName = /^[\w/+=.@-]{1,512}$/;
  const slack: SlackConfig = {
    workspaceId: str(slackRaw, 'workspaceId', slackId, 'a Slack workspace ID like T0123ABCD', 'slack.'),
    channelId: str(slackRaw, 'channelId', slackId, 'a Slack channel ID like C0123ABCD', 'slack.'),
    webhookSecretName: str(slackRaw, 'webhookSecretName', secretName, 'a Secrets Manager secret name', 'slack.'),
    signingSecretName: str(slackRaw, 'signingSecretName', secretName, 'a Secrets Manager secret name', 'slack.'),
  };

  const alarmsRaw = asObject(raw.alarms, 'alarms');
  rejectUnknownKeys(alarmsRaw, ['failedLoginsPerFiveMinutes', 'errorRatePercent'], 'alarms.');
  const alarms: AlarmThresholds = {
    failedLoginsPerFiveMinutes: num(alarmsRaw, 'failedLoginsPerFiveMinutes', 1, 100000, 'alarms.'),
    errorRatePercent: num(alarmsRaw, 'errorRatePercent', 0.1, 100, 'alarms.'),
  };

  let customDomain: CustomDomainConfig | undefined;
  if (raw.customDomain !== undefined && raw.customDomain !== null) {
    const domainRaw = asObject(raw.customDomain, 'customDomain');
    rejectUnknownKeys(domainRaw, ['zoneName', 'hostedZoneId', 'apiDomainName', 'siteDomainName'], 'customDomain.');
    const hostName = /^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/;
    customDomain = {
      zoneName: str(domainRaw, 'zoneName', hostName, 'a DNS zone name like example.com', 'customDomain.'),
      hostedZoneId: str(domainRaw, 'hostedZoneId', /^Z[A-Z0-9]{4,32}$/, 'a Route 53 hosted zone ID like Z0123456789ABC', 'customDomain.'),
      apiDomainName: str(domainRaw, 'apiDomainName', hostName, 'a host name like api.example.com', 'customDomain.'),
      siteDomainName: domainRaw.siteDomainName === undefined ? undefined
        : str(domainRaw, 'siteDomainName', hostName, 'a host name like www.example.com', 'customDomain.'),
    };
    for (const key of ['apiDomainName', 'siteDomainName'] as const) {
      const name = customDomain[key];
      if (name !== undefined && !name.endsWith(`.${customDomain.zoneName}`)) {
        throw new ConfigError(`customDomain.${key}`, `"${name}" is not inside zone "${customDomain.zoneName}"`, 'Use a name in that zone.');
      }
    }
    if (customDomain.siteDomainName === customDomain.apiDomainName) {
      throw new ConfigError('customDomain.siteDomainName', `"${customDomain.siteDomainName}" is also the API's name`, 'Give the site and the API different names.');
    }
  }

  const failoverDrill = raw.failoverDrill ?? false;
  if (typeof failoverDrill !== 'boolean') {
    throw new ConfigError('failoverDrill', `expected true or false, got ${describe(failoverDrill)}`, 'Leave it out for the default, false (no drill).');
  }

  let waf: WafConfig = { enabled: false, rateLimitPerFiveMinutes: DEFAULT_WAF_RATE_LIMIT };
  if (raw.waf !== undefined && raw.waf !== null) {
    const wafRaw = asObject(raw.waf, 'waf');
    rejectUnknownKeys(wafRaw, ['enabled', 'rateLimitPerFiveMinutes'], 'waf.');
    if (typeof wafRaw.enabled !== 'boolean') {
      throw new ConfigError('waf.enabled', `expected true or false, got ${describe(wafRaw.enabled)}`, 'Set "waf.enabled" in cdk.json (false, the default, builds no web ACL).');
    }
    waf = {
      enabled: wafRaw.enabled,
      // WAF's lowest allowed rate limit is 10 requests per evaluation window.
      rateLimitPerFiveMinutes: wafRaw.rateLimitPerFiveMinutes === undefined ? DEFAULT_WAF_RATE_LIMIT
        : num(wafRaw, 'rateLimitPerFiveMinutes', 10, 2_000_000_000, 'waf.'),
    };
  }

  return {
    project: str(raw, 'project', NAME, 'a lowercase name of 2–20 letters, digits or dashes'),
    stageName: str(raw, 'stageName', NAME, 'a lowercase name of 2–20 letters, digits or dashes'),
    account: str(raw, 'account', ACCOUNT, 'a 12-digit AWS account ID'),
    pipelineRegion: str(raw, 'pipelineRegion', REGION, 'an AWS region name like us-east-1'),
    appRegions: regions(raw),
    repository: str(raw, 'repository', REPOSITORY, 'an "owner/repo" name'),
    branch: str(raw, 'branch', /^[\w./-]{1,200}$/, 'a branch name'),
    connectionArn: str(raw, 'connectionArn', CONNECTION_ARN, 'a CodeConnections connection ARN'),
    rollout,
    slack,
    randomFailureRate: num(raw, 'randomFailureRate', 0, 1),
    alarms,
    customDomain,
    waf,
    failoverDrill,
  };
}

/** The config keys that still hold a shipped placeholder; empty when the config is deployable. */
/**
 * What is being deployed: the pipeline (every key), or RegionalApp's stacks straight to one region
 * (P10), which use only the account: the connection and the Slack channel are the pipeline's.
 */
export type DeployTarget = 'pipeline' | 'region';

export function placeholderKeys(config: AppConfig, target: DeployTarget = 'pipeline'): string[] {
  const keys: string[] = [];
  if (config.account === PLACEHOLDER_ACCOUNT) keys.push('account');
  if (target === 'region') return keys;
  if (config.connectionArn === PLACEHOLDER_CONNECTION_ARN) keys.push('connectionArn');
  if (config.slack.workspaceId === PLACEHOLDER_SLACK_ID) keys.push('slack.workspaceId');
  if (config.slack.channelId === PLACEHOLDER_SLACK_ID) keys.push('slack.channelId');
  return keys;
}

/** Throws unless every placeholder `target` uses has been replaced; every deploy path calls this. */
export function assertDeployable(config: AppConfig, target: DeployTarget = 'pipeline'): void {
  const keys = placeholderKeys(config, target);
  if (keys.length > 0) {
    throw new ConfigError(
      keys[0],
      `still holds the shipped placeholder (placeholders left: ${keys.join(', ')})`,
      'Replace every placeholder in cdk.json with your real values before deploying (README.md, "Deploy to AWS").',
    );
  }
}

/** The `context` object of the project's cdk.json, for tools that run outside the CDK CLI. */
export function readCdkJsonContext(cdkJsonPath = path.resolve(__dirname, '..', 'cdk.json')): Record<string, unknown> {
  const text = readFileSync(cdkJsonPath, 'utf8');
  return (JSON.parse(text) as { context?: Record<string, unknown> }).context ?? {};
}

/** The validated config from cdk.json, as `cdk synth` would see it with no `-c` overrides. */
export function loadConfig(): AppConfig {
  return parseConfig(readCdkJsonContext()[CONTEXT_KEY]);
}
