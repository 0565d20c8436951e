/**
 * Every name the app shares between stacks, handlers, the local environment and tests is defined
 * here once (A20): resource names, SSM parameter paths, routes and tags.
 */

export interface NameScope {
  readonly project: string;
  readonly stageName: string;
  readonly region: string;
}

/** `<project>-<stage>-<what>-<region>`: readable in the console and unique per region. */
export function resourceName(scope: NameScope, what: string): string {
  return `${scope.project}-${scope.stageName}-${what}-${scope.region}`;
}

/** S3 allows bucket names of at most 63 characters, unique across every account. */
export const MAX_BUCKET_NAME_LENGTH = 63;

/**
 * `<project>-<stage>-<what>-<account>-<region>`: a bucket name that is the same on every deploy
 * (so the post-deploy check's role can name it) and unique among all accounts' buckets.
 */
export function bucketName(scope: NameScope, account: string, what: string): string {
  const name = `${scope.project}-${scope.stageName}-${what}-${account}-${scope.region}`;
  // An account not known at synth (a CDK token) resolves to 12 digits at deploy time.
  const length = name.length - account.length + 12;
  if (length > MAX_BUCKET_NAME_LENGTH) {
    throw new Error(`The bucket name ${name} would be ${length} characters; S3 allows ${MAX_BUCKET_NAME_LENGTH}. Shorten cdk.json's project or stageName.`);
  }
  return name;
}

/** `<project>-<stage>-<what>`: for resources that are the same in every region (the global table). */
function globalName(scope: Omit<NameScope, 'region'>, what: string): string {
  return `${scope.project}-${scope.stageName}-${what}`;
}

/** The CloudWatch namespace of the app's own metrics (Powertools Metrics). */
export function metricsNamespace(scope: Omit<NameScope, 'region'>): string {
  return `${scope.project}-${scope.stageName}`;
}

/** The global table's name: one table, a replica in every app region. */
export function tableName(scope: Omit<NameScope, 'region'>): string {
  return globalName(scope, 'data');
}

/** Every SSM parameter of the app lies under this path, in every region. */
export function parameterPrefix(scope: Omit<NameScope, 'region'>): string {
  return `/${scope.project}/${scope.stageName}/`;
}

/** SSM parameter paths: stacks publish and read each other's names only through these. */
export function parameterPath(scope: Omit<NameScope, 'region'>, key: ParameterKey): string {
  return `${parameterPrefix(scope)}${key}`;
}

/** The ARN of an SSM parameter (or, ending in `*`, of those under a path): `/a/b` → `…:parameter/a/b`. */
export function parameterArn(where: { readonly partition: string; readonly region: string; readonly account: string }, name: string): string {
  return `arn:${where.partition}:ssm:${where.region}:${where.account}:parameter/${name.replace(/^\//, '')}`;
}

export const PARAMETER_KEYS = {
  apiUrl: 'api/url',
  apiId: 'api/id',
  siteBucketName: 'site/bucket-name',
  siteUrl: 'site/url',
  siteDistributionId: 'site/distribution-id',
  tableName: 'data/table-name',
  changeStreamArn: 'data/change-stream-arn',
  userPoolId: 'identity/user-pool-id',
  userPoolClientId: 'identity/user-pool-client-id',
  eventBusName: 'events/bus-name',
  ingestBucketName: 'ingest/bucket-name',
  analyticsBucketName: 'analytics/bucket-name',
  alarmTopicArn: 'monitoring/alarm-topic-arn',
  forcedFailure: 'health/forced-failure',
  slackApiUrl: 'slack/api-url',
} as const;
export type ParameterKey = (typeof PARAMETER_KEYS)[keyof typeof PARAMETER_KEYS];

/**
 * CloudFront takes its certificate and web ACL only from us-east-1 (the edge region). Each app
 * region's Edge stack creates them there and publishes their ARNs in us-east-1's SSM, under the app
 * region's name so two regions never write one parameter.
 */
export const EDGE_REGION = 'us-east-1';
export const EDGE_PARAMETER_KEYS = {
  siteCertificateArn: 'site-certificate-arn',
  webAclArn: 'web-acl-arn',
} as const;
export type EdgeParameterKey = (typeof EDGE_PARAMETER_KEYS)[keyof typeof EDGE_PARAMETER_KEYS];

/** `/<project>/<stage>/edge/<app region>/<key>`, in us-east-1's SSM. */
export function edgeParameterPath(scope: NameScope, key: EdgeParameterKey): string {
  return `${parameterPrefix(scope)}edge/${scope.region}/${key}`;
}

/** Where the post-deploy check drops its ingest file (its role may write only there). */
export const RELEASE_CHECK_PREFIX = 'release-check/';

/** Routes of the user API (A4). */
export const ROUTES = {
  health: '/health',
  login: '/login',
  hello: '/hello',
  click: '/click',
  views: '/views',
  /** Public: every deployed app region's API URL, for the page's failover (A21). */
  regions: '/regions',
} as const;

/** Routes of the Slack command API (A5): the slash command's Request URL is the API's URL + `commands`. */
export const SLACK_ROUTES = {
  commands: '/slack/commands',
} as const;

/**
 * The app's images (A7, A8, A21); the files live in site/images/. The handlers read hello and
 * clicked from the site bucket; the page shows error itself.
 */
export const IMAGE_KEYS = {
  hello: 'images/hello.svg',
  clicked: 'images/clicked.svg',
  error: 'images/error.svg',
} as const;

/**
 * The alarms of one region (A12). `alarmPathCheck` watches nothing: the post-deploy check sets it to
 * ALARM to prove CloudWatch → SNS → notifier → Slack without touching the real alarms; locally the
 * suite also drives `failedLogins` with real failed logins.
 */
export function alarmNames(scope: NameScope) {
  return {
    failedLogins: resourceName(scope, 'failed-logins'),
    errorRate: resourceName(scope, 'error-rate'),
    clickDlqNotEmpty: resourceName(scope, 'click-dlq-not-empty'),
    unprocessableClicks: resourceName(scope, 'unprocessable-clicks'),
    alarmPathCheck: resourceName(scope, 'alarm-path-check'),
  };
}

/**
 * One function's error-rate alarm. `alarmNames(scope).errorRate` is the composite alarm that joins
 * them (a metric-math alarm may read at most 10 metrics, and every function brings two).
 */
export function functionErrorRateAlarmName(scope: NameScope, handler: string): string {
  return resourceName(scope, `error-rate-${handler}`);
}

/**
 * What every alarm name of a stage starts with (they are all `resourceName`s): the alarm topic's and
 * its key's policies admit `arn:…:cloudwatch:<region>:<account>:alarm:<prefix>*`.
 */
export function alarmNamePrefix(scope: Omit<NameScope, 'region'>): string {
  return `${scope.project}-${scope.stageName}-`;
}

/** Queues of one region (A9, A10, A19); alarms and the post-deploy check find them by these names. */
export function queueNames(scope: NameScope) {
  return {
    clickDlq: resourceName(scope, 'click-dlq'),
    unprocessable: resourceName(scope, 'click-unprocessable'),
    ingestRejects: resourceName(scope, 'ingest-rejects'),
  };
}

/** Tags every resource carries (A20). */
export function standardTags(scope: NameScope): Record<string, string> {
  return { project: scope.project, stage: scope.stageName, region: scope.region };
}

/** The CodePipeline's name; `npm run pipeline` uses it by default. */
export function pipelineName(scope: Omit<NameScope, 'region'>): string {
  return `${scope.project}-${scope.stageName}-pipeline`;
}

/** The CodePipeline stage (wave) that deploys RegionalApp to every region in `wave` rollout. */
export const APP_WAVE_NAME = 'RegionalApp';

/** The id of one region's RegionalApp Stage, e.g. `RegionalApp-us-west-2`. */
export function appStageId(region: string): string {
  return `${APP_WAVE_NAME}-${region}`;
}
