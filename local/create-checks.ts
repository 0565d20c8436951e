import { compileExpression } from './metric-math';
import type { LocalStack, ResourceValues } from './templates';

/**
 * Create-time validations (L4): what the real service refuses when CloudFormation creates a
 * resource, refused locally too and with the service's own message, so that a template that
 * provisions offline also deploys. `RegionProvisioner.provisionStack` calls `checkCreate` once per
 * resource, after resolving its properties and before creating it.
 *
 * Each rule below names where its limit and message come from. Messages of the form
 * "1 validation error detected: Value '…' at '…' failed to satisfy constraint: …" are the
 * services' generic API-model validation (verified for Lambda's functionName and timeout); the
 * few limits whose service message we could not find quote the documentation instead and say so.
 *
 * The checks are a list (`CreateCheck`), so others can be added without touching these: the seam
 * for create-time permission checks (IAM) is `CreateChecksOptions.checks` / `CreateChecks.add`.
 */

type Props = Record<string, unknown>;

/** One resource CloudFormation is about to create, as a check sees it. */
export interface ResourceToCreate {
  readonly stack: LocalStack;
  readonly logicalId: string;
  readonly type: string;
  /** Its properties, every intrinsic resolved. */
  readonly props: Props;
  /** The stack's resources created so far (logical ID → Ref/GetAtt values), filled in as provisioning goes on. */
  readonly created: ReadonlyMap<string, ResourceValues>;
}

/** What the service answers, e.g. Lambda's `InvalidParameterValueException` and its message. */
export interface Violation {
  readonly service: string;
  readonly code: string;
  /** The service's message, verbatim. */
  readonly message: string;
  /** Which part of the resource, when the service's message does not say. */
  readonly detail?: string;
}

/** A rule a service enforces at create time; yields nothing when the resource passes. */
export interface CreateCheck {
  /** The resource types it applies to; `*` for every type (e.g. permission checks). */
  readonly types: readonly string[] | '*';
  check(resource: ResourceToCreate, region: RegionResources): Iterable<Violation>;
}

/** The region's resources checked so far, in every stack, for rules that span resources. */
class RegionResources {
  private readonly resources: ResourceToCreate[] = [];

  add(resource: ResourceToCreate): void {
    this.resources.push(resource);
  }

  ofType(type: string): readonly ResourceToCreate[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  /** The created resource of `type` that `matches` its Ref/GetAtt values. */
  find(type: string, matches: (values: ResourceValues) => boolean): ResourceToCreate | undefined {
    return this.ofType(type).find((resource) => {
      const values = resource.created.get(resource.logicalId);
      return values !== undefined && matches(values);
    });
  }
}

export class CreateCheckError extends Error {
  constructor(readonly resource: ResourceToCreate, readonly violations: readonly Violation[]) {
    super(`${resource.stack.displayName}/${resource.logicalId} would not be created by AWS: ${violations.map(describe).join('; ')}`);
  }
}

function describe(violation: Violation): string {
  return `${violation.service} ${violation.code}: "${violation.message}"${violation.detail ? ` (${violation.detail})` : ''}`;
}

export interface CreateChecksOptions {
  /**
   * The account's Lambda concurrency quota in the region ("Concurrent executions"): 1000 unless
   * LOCAL_LAMBDA_CONCURRENCY_QUOTA says otherwise (a new account has 10).
   */
  readonly lambdaConcurrencyQuota?: number;
  /** More checks, run after the services' own: create-time permission checks go here. */
  readonly checks?: readonly CreateCheck[];
  /** What to do with a refused resource; throws a CreateCheckError unless told otherwise. */
  readonly onViolations?: (error: CreateCheckError) => void;
}

const DEFAULT_LAMBDA_CONCURRENCY_QUOTA = 1000;
export const CONCURRENCY_QUOTA_VARIABLE = 'LOCAL_LAMBDA_CONCURRENCY_QUOTA';

/** The account's Concurrent executions quota here: LOCAL_LAMBDA_CONCURRENCY_QUOTA, else AWS's default. */
export function concurrencyQuotaFromEnvironment(): number {
  const value = process.env[CONCURRENCY_QUOTA_VARIABLE];
  if (value === undefined || value === '') return DEFAULT_LAMBDA_CONCURRENCY_QUOTA;
  const quota = Number(value);
  if (!Number.isInteger(quota) || quota < 1) throw new Error(`${CONCURRENCY_QUOTA_VARIABLE} must be a positive whole number (got "${value}")`);
  return quota;
}

/** One region's create-time checks and the resources they have seen. */
export class CreateChecks {
  readonly region = new RegionResources();
  private readonly checks: CreateCheck[];
  private readonly onViolations: (error: CreateCheckError) => void;

  constructor(options: CreateChecksOptions = {}) {
    this.checks = [...serviceChecks(options.lambdaConcurrencyQuota ?? concurrencyQuotaFromEnvironment()), ...(options.checks ?? [])];
    this.onViolations = options.onViolations ?? ((error) => { throw error; });
  }

  add(check: CreateCheck): void {
    this.checks.push(check);
  }

  /** Runs every check that applies to `resource`, then remembers it for the rules that span resources. */
  check(resource: ResourceToCreate): void {
    const violations = this.checks
      .filter((check) => check.types === '*' || check.types.includes(resource.type))
      .flatMap((check) => [...check.check(resource, this.region)]);
    if (violations.length > 0) this.onViolations(new CreateCheckError(resource, violations));
    this.region.add(resource);
  }
}

const regions = new WeakMap<object, CreateChecks>();

/** The checks of `region` (any object standing for one region, e.g. the provisioner's LocalRegion), made with `options` the first time. */
export function createChecksFor(region: object, options?: CreateChecksOptions): CreateChecks {
  let checks = regions.get(region);
  if (!checks) {
    checks = new CreateChecks(options);
    regions.set(region, checks);
  }
  return checks;
}

/** Throws a CreateCheckError when AWS would refuse to create `resource` in `region`. */
export function checkCreate(region: object, resource: ResourceToCreate): void {
  createChecksFor(region).check(resource);
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the rules.

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const numberOf = (value: unknown): number | undefined => (value === undefined || value === '' ? undefined : Number(value));
const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

interface Constraint {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Matched against the whole value; `patternText` is how the service prints it. */
  readonly pattern?: RegExp;
  readonly patternText?: string;
  readonly min?: number;
  readonly max?: number;
}

/**
 * The API-model validation message: "1 validation error detected: Value 'x' at 'member' failed
 * to satisfy constraint: Member must have length less than or equal to 64" (several: "2 validation
 * errors detected: …; …"). Seen from Lambda in aws-api-gateway-developer-portal#493 (functionName)
 * and covidatlas/li#575 (timeout).
 */
function validationErrors(fields: readonly { member: string; value: unknown; constraint: Constraint }[]): string | undefined {
  const failures = fields.flatMap(({ member, value, constraint }) => {
    if (value === undefined) return [];
    const text = String(value);
    const failed = [
      constraint.minLength !== undefined && text.length < constraint.minLength && `Member must have length greater than or equal to ${constraint.minLength}`,
      constraint.maxLength !== undefined && text.length > constraint.maxLength && `Member must have length less than or equal to ${constraint.maxLength}`,
      constraint.pattern && !constraint.pattern.test(text) && `Member must satisfy regular expression pattern: ${constraint.patternText ?? constraint.pattern.source}`,
      constraint.min !== undefined && Number(value) < constraint.min && `Member must have value greater than or equal to ${constraint.min}`,
      constraint.max !== undefined && Number(value) > constraint.max && `Member must have value less than or equal to ${constraint.max}`,
    ].filter((problem): problem is string => typeof problem === 'string');
    return failed.map((problem) => `Value '${text}' at '${member}' failed to satisfy constraint: ${problem}`);
  });
  if (failures.length === 0) return undefined;
  return `${failures.length} validation error${failures.length === 1 ? '' : 's'} detected: ${failures.join('; ')}`;
}

const check = (types: readonly string[], run: CreateCheck['check']): CreateCheck => ({ types, check: run });

// ---------------------------------------------------------------------------------------------
// Names. A name the template leaves out is generated by CloudFormation and always valid, so only
// names the template sets are checked.

interface NameRule {
  readonly types: readonly string[];
  readonly property: string;
  readonly service: string;
  readonly code: string;
  /** The service's message for an invalid name, or undefined when the name is valid. */
  problem(name: string, props: Props, region: string): string | undefined;
}

/** A rule whose message is the API-model validation message for `member`. */
const apiNameRule = (types: readonly string[], property: string, service: string, code: string, member: string, constraint: Constraint): NameRule => ({
  types, property, service, code, problem: (name) => validationErrors([{ member, value: name, constraint }]),
});

/** A rule whose service answers one fixed message for every invalid name. */
const fixedMessageRule = (types: readonly string[], property: string, service: string, code: string, message: string, valid: (name: string, props: Props) => boolean): NameRule => ({
  types, property, service, code, problem: (name, props) => (valid(name, props) ? undefined : message),
});

const isTrue = (value: unknown) => value === true || value === 'true';

/** General purpose bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
function validBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)
    && !/\.\.|\.-|-\./.test(name)
    && !/^\d{1,3}(\.\d{1,3}){3}$/.test(name)
    && !/^(xn--|sthree-|amzn-s3-demo-)/.test(name)
    && !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
}

/** Base name `[A-Za-z0-9_-]`, 1–`max` characters with the `.fifo` suffix a FIFO queue or topic must have (and a standard one must not). */
function validFifoAwareName(name: string, fifo: boolean, max: number): boolean {
  const base = fifo ? name.replace(/\.fifo$/, '') : name;
  return name.length <= max && /^[A-Za-z0-9_-]+$/.test(base) && (!fifo || name.endsWith('.fifo'));
}

/**
 * Parameter names (https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html):
 * letters, digits, `_.-` and `/` between levels; no `aws`/`ssm` prefix, at most 15 levels, at most
 * 1011 characters including the ARN that precedes the name.
 */
function parameterNameProblem(name: string, region: string): string | undefined {
  const path = name.replace(/^\//, '');
  if (/^(aws|ssm)/i.test(path) || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(path)) {
    // ValidationException, as in aws/aws-sdk-php#1952 and boto/boto3#1499.
    return 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
  }
  if (path.split('/').length > 15) {
    // HierarchyLevelLimitExceededException (PutParameter API reference, Errors).
    return 'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the Amazon Web Services Systems Manager User Guide.';
  }
  // An account ID is always 12 digits.
  const arnLength = `arn:aws:ssm:${region}:123456789012:parameter/${path}`.length;
  if (arnLength > 1011) {
    // No service message found for this one: the User Guide's wording.
    return `The maximum length for a parameter name, including the full length of the parameter Amazon Resource Name (ARN), is 1011 characters. (this one's ARN has ${arnLength})`;
  }
  return undefined;
}

const NAME_RULES: readonly NameRule[] = [
  // CreateFunction API reference: FunctionName "If you specify only the function name, it is limited to 64 characters in length."
  apiNameRule(['AWS::Lambda::Function'], 'FunctionName', 'Lambda', 'InvalidParameterValueException', 'functionName', {
    maxLength: 64,
    pattern: /^[a-zA-Z0-9-_]+$/,
    patternText: '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
  }),
  // CreateRole API reference: RoleName 1–64, pattern [\w+=,.@-]+.
  apiNameRule(['AWS::IAM::Role'], 'RoleName', 'IAM', 'ValidationError', 'roleName', { maxLength: 64, pattern: /^[\w+=,.@-]+$/, patternText: '[\\w+=,.@-]+' }),
  // CreateStream API reference: StreamName 1–128, pattern [a-zA-Z0-9_.-]+.
  apiNameRule(['AWS::Kinesis::Stream'], 'Name', 'Kinesis', 'ValidationException', 'streamName', { maxLength: 128, pattern: /^[a-zA-Z0-9_.-]+$/, patternText: '[a-zA-Z0-9_.-]+' }),
  // CreateLogGroup API reference: logGroupName 1–512, pattern [\.\-_/#A-Za-z0-9]+.
  apiNameRule(['AWS::Logs::LogGroup'], 'LogGroupName', 'CloudWatch Logs', 'InvalidParameterException', 'logGroupName', { maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, patternText: '[\\.\\-_/#A-Za-z0-9]+' }),
  // PutMetricAlarm API reference: AlarmName 1–255.
  apiNameRule(['AWS::CloudWatch::Alarm'], 'AlarmName', 'CloudWatch', 'ValidationError', 'alarmName', { maxLength: 255 }),
  // CreateBucket answers InvalidBucketName "The specified bucket is not valid." (apex/up#498, chenr2/AWS-SAM-Tutorial#2).
  fixedMessageRule(['AWS::S3::Bucket'], 'BucketName', 'S3', 'InvalidBucketName', 'The specified bucket is not valid.', validBucketName),
  // CreateQueue (QueueName: up to 80 characters, alphanumerics, - and _, a FIFO queue's ends with .fifo):
  // standard queues get the first message (boto/botocore#3058), FIFO queues the second (aws-marketplace-serverless-saas-integration#29).
  {
    types: ['AWS::SQS::Queue'], property: 'QueueName', service: 'SQS', code: 'InvalidParameterValue',
    problem: (name, props) => {
      const fifo = isTrue(props.FifoQueue);
      if (validFifoAwareName(name, fifo, 80)) return undefined;
      return fifo
        ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
        : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length';
    },
  },
  // CreateTopic (Name: 1–256 of A-Za-z0-9_-, a FIFO topic's ends with .fifo): "Invalid parameter: Topic Name"
  // (aws-samples/document-translation#104; for .fifo, awsdocs/aws-cloudformation-user-guide#860).
  fixedMessageRule(['AWS::SNS::Topic'], 'TopicName', 'SNS', 'InvalidParameter', 'Invalid parameter: Topic Name', (name, props) => validFifoAwareName(name, isTrue(props.FifoTopic), 256)),
  // DynamoDB naming rules (3–255 of a-z A-Z 0-9 _ - .); message as in Dynamoid/dynamoid#260.
  fixedMessageRule(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'], 'TableName', 'DynamoDB', 'ValidationException',
    'Invalid table/index name.  Table/index names must be between 3 and 255 characters long, and may contain only the characters a-z, A-Z, 0-9, \'_\', \'-\', and \'.\'',
    (name) => /^[a-zA-Z0-9_.-]{3,255}$/.test(name)),
  { types: ['AWS::SSM::Parameter'], property: 'Name', service: 'SSM', code: 'ValidationException', problem: (name, _props, region) => parameterNameProblem(name, region) },
];

const nameCheck = (rule: NameRule): CreateCheck => check(rule.types, function* ({ props, stack }) {
  const name = props[rule.property];
  if (name === undefined) return;
  const message = rule.problem(String(name), props, stack.region);
  if (message) yield { service: rule.service, code: rule.code, message, detail: `${rule.property} ${JSON.stringify(name)}` };
});

// ---------------------------------------------------------------------------------------------
// Lambda.

/** "Reserved environment variables" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime). */
const RESERVED_ENVIRONMENT_VARIABLES = new Set([
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
]);

/**
 * "4 KB, for all environment variables associated with the function, in aggregate" (Lambda quotas).
 * Lambda measures the variables as one JSON object: its message ends "String measured: {…}"
 * (github-aws-runners/terraform-aws-github-runner#3594).
 */
const ENVIRONMENT_LIMIT_BYTES = 4 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 3;
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30;
/** Lambda keeps this much of the quota unreserved ("minimum value of [100]"); accounts below it keep the whole quota ("[10]", "[50]" in the issues below). */
const MINIMUM_UNRESERVED_CONCURRENCY = 100;

const lambda = (code: string, message: string, detail?: string): Violation => ({ service: 'Lambda', code, message, detail });

function* functionSettings({ props }: ResourceToCreate): Iterable<Violation> {
  // CreateFunction API reference: Timeout ≥ 1 (900 s is the quota), MemorySize 128–10240.
  const message = validationErrors([
    { member: 'timeout', value: numberOf(props.Timeout), constraint: { min: 1, max: 900 } },
    { member: 'memorySize', value: numberOf(props.MemorySize), constraint: { min: 128, max: 10240 } },
  ]);
  if (message) yield lambda('ValidationException', message);
}

function* functionEnvironment({ props }: ResourceToCreate): Iterable<Violation> {
  const variables = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  if (!variables) return;
  const reserved = Object.keys(variables).filter((key) => RESERVED_ENVIRONMENT_VARIABLES.has(key));
  if (reserved.length > 0) {
    // As in aws/aws-cdk#28048 and neverendingqs/serverless-dotenv-plugin#36.
    yield lambda('InvalidParameterValueException', `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`);
  }
  const measured = JSON.stringify(Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])));
  if (byteLength(measured) > ENVIRONMENT_LIMIT_BYTES) {
    yield lambda('InvalidParameterValueException', `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`, `${byteLength(measured)} bytes`);
  }
}

/**
 * "You can reserve up to the Unreserved account concurrency value minus 100" (configuration-concurrency.html):
 * every function's reserved concurrency in the region counts against the account's quota.
 * Message as in aws-samples/siem-on-amazon-opensearch-service#175 and milliHQ/terraform-aws-next-js#251.
 */
const reservedConcurrency = (quota: number) => function* ({ props, logicalId, stack }: ResourceToCreate, region: RegionResources): Iterable<Violation> {
  const reserved = numberOf(props.ReservedConcurrentExecutions);
  if (reserved === undefined) return;
  const others = region.ofType('AWS::Lambda::Function')
    .filter((resource) => !(resource.stack.id === stack.id && resource.logicalId === logicalId))
    .reduce((sum, resource) => sum + (numberOf(resource.props.ReservedConcurrentExecutions) ?? 0), 0);
  const minimum = Math.min(MINIMUM_UNRESERVED_CONCURRENCY, quota);
  if (quota - others - reserved < minimum) {
    yield lambda('InvalidParameterValueException', `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${minimum}].`,
      `${reserved} reserved here + ${others} by the region's other functions, of a quota of ${quota} (${CONCURRENCY_QUOTA_VARIABLE})`);
  }
};

/** A function's name in a Ref (its name) or an ARN, qualified or not. */
const functionNameOf = (nameOrArn: string) => (nameOrArn.startsWith('arn:') ? nameOrArn.split(':')[6] : nameOrArn.split(':')[0]);

function* sqsEventSource({ props }: ResourceToCreate, region: RegionResources): Iterable<Violation> {
  const source = String(props.EventSourceArn ?? '');
  if (!source.includes(':sqs:')) return;
  const queue = region.find('AWS::SQS::Queue', (values) => values.attributes?.Arn === source);
  const fn = region.find('AWS::Lambda::Function', (values) => values.ref === functionNameOf(String(props.FunctionName ?? '')));
  if (queue && fn) {
    const visibility = numberOf(queue.props.VisibilityTimeout) ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    const timeout = numberOf(fn.props.Timeout) ?? DEFAULT_TIMEOUT_SECONDS;
    // "Queue visibility timeout: 60 seconds is less than Function timeout: 120 seconds" (18F/identity-terraform#27, winglang/wing#1507).
    if (visibility < timeout) {
      yield lambda('InvalidParameterValueException', `Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${timeout} seconds`,
        `${queue.stack.displayName}/${queue.logicalId} → ${fn.stack.displayName}/${fn.logicalId}`);
    }
  }
  // "When you set BatchSize to a value greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1"
  // (CreateEventSourceMapping API reference); message as in serverless/serverless#8989, aws/chalice#1778.
  if ((numberOf(props.BatchSize) ?? 10) > 10 && !((numberOf(props.MaximumBatchingWindowInSeconds) ?? 0) >= 1)) {
    yield lambda('InvalidParameterValueException', 'Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
}

// ---------------------------------------------------------------------------------------------
// CloudWatch alarms (PutMetricAlarm API reference; MetricDataQuery; "Limits" in the alarms user guide).

interface MetricDataQuery {
  readonly Id?: string;
  readonly Expression?: string;
  readonly MetricStat?: { readonly Period?: number };
  readonly ReturnData?: boolean | string;
}

const cloudwatch = (message: string, detail?: string): Violation => ({ service: 'CloudWatch', code: 'ValidationError', message, detail });
/** The message for Ids, ReturnData and expressions CloudWatch does not accept (aws/aws-cdk#26674, cfn-lint#1944). */
const INVALID_METRICS_LIST = 'Invalid metrics list';
/** "The valid characters are letters, numbers, and underscore. The first character must be a lowercase letter." (MetricDataQuery Id) */
const METRIC_ID = /^[a-z][a-zA-Z0-9_]*$/;
/** Only one of these may describe the alarm's metric when Metrics does (PutMetricAlarm, Metrics). */
const SINGLE_METRIC_PROPERTIES = ['Namespace', 'MetricName', 'Dimensions', 'Period', 'Unit', 'Statistic', 'ExtendedStatistic'];
/** "Alarms based on metric math expressions can reference a maximum of 10 metrics." (alarm-limits.html); at most 10 expressions too (MetricDataQuery). */
const MAX_METRICS = 10;
const MAX_EXPRESSIONS = 10;

/** Period: "Valid values are 10, 20, 30, and any multiple of 60." (PutMetricAlarm) */
const validPeriod = (period: number) => [10, 20, 30].includes(period) || (period > 0 && period % 60 === 0);

function* alarmMetrics({ props }: ResourceToCreate): Iterable<Violation> {
  const metrics = props.Metrics as MetricDataQuery[] | undefined;
  if (!metrics) {
    // As in aws-cloudformation/cfn-lint#771.
    if (props.MetricName === undefined) yield cloudwatch('MetricName must not be null');
    return;
  }
  for (const property of SINGLE_METRIC_PROPERTIES.filter((name) => props[name] !== undefined)) {
    // Seen for Statistic in cfn-lint#766 and troposphere#1276; the same rule covers the others.
    yield cloudwatch(`${property} should not be set if list of Metrics is set.`);
  }
  const stats = metrics.filter((metric) => metric.MetricStat);
  const expressions = metrics.filter((metric) => metric.Expression !== undefined);
  if (stats.length > MAX_METRICS) {
    // No service message found for this one: the documentation's wording.
    yield cloudwatch('Alarms based on metric math expressions can reference a maximum of 10 metrics.', `this one has ${stats.length} metrics (MetricStat entries)`);
  }
  if (expressions.length > MAX_EXPRESSIONS) yield cloudwatch(INVALID_METRICS_LIST, `${expressions.length} expressions; at most ${MAX_EXPRESSIONS}`);
  const ids = metrics.map((metric) => String(metric.Id ?? ''));
  for (const id of ids.filter((value, index) => !METRIC_ID.test(value) || ids.indexOf(value) !== index)) {
    yield cloudwatch(INVALID_METRICS_LIST, `Id ${JSON.stringify(id)}: ids are unique, start with a lowercase letter and use only letters, numbers and underscore`);
  }
  // ReturnData defaults to true; anomaly-detection alarms (ThresholdMetricId) return the band too.
  const returning = metrics.filter((metric) => metric.ReturnData !== false && metric.ReturnData !== 'false');
  if (props.ThresholdMetricId === undefined && returning.length !== 1) {
    // As in hashicorp/terraform-provider-aws#29894.
    yield cloudwatch('Exactly one element of the metrics list should return data.', `${returning.length} do`);
  }
  for (const metric of expressions) {
    const problem = expressionProblem(String(metric.Expression), ids);
    if (problem) yield cloudwatch(INVALID_METRICS_LIST, `${metric.Id}: ${problem}`);
  }
}

function expressionProblem(expression: string, ids: readonly string[]): string | undefined {
  try {
    const unknown = compileExpression(expression).identifiers.filter((id) => !ids.includes(id));
    return unknown.length > 0 ? `"${expression}" uses ${unknown.join(', ')}, which no item of Metrics has as its Id` : undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A function outside local/metric-math.ts's subset (IF, FILL) is not CloudWatch's to refuse: the
    // local alarm evaluator reports it when it evaluates the alarm. Syntax errors are.
    return /unknown function/.test(message) ? undefined : message;
  }
}

function* alarmEvaluation({ props }: ResourceToCreate): Iterable<Violation> {
  const metrics = (props.Metrics as MetricDataQuery[] | undefined) ?? [];
  const periods = [numberOf(props.Period), ...metrics.map((metric) => numberOf(metric.MetricStat?.Period))].filter(isNumber);
  for (const period of new Set(periods)) {
    // As in awsdocs/aws-cloudformation-user-guide#777 (before 20 was allowed).
    if (!validPeriod(period)) yield cloudwatch('Period must be 10, 30 or a multiple of 60', `Period ${period}`);
  }
  const evaluationPeriods = numberOf(props.EvaluationPeriods);
  if (evaluationPeriods === undefined) return;
  for (const period of new Set(periods.filter(validPeriod))) {
    // "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a period of less
    // than one hour (3,600 seconds), the total evaluation period can't be longer than one day (86,400 seconds)."
    // No service message found: the API reference's wording.
    const limit = period < 3600 ? 86_400 : 604_800;
    if (period * evaluationPeriods > limit) {
      yield cloudwatch(period < 3600
        ? 'For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can\'t be longer than one day (86,400 seconds).'
        : 'An alarm\'s total current evaluation period can be no longer than seven days, so Period multiplied by EvaluationPeriods can\'t be more than 604,800 seconds.',
      `Period ${period} × EvaluationPeriods ${evaluationPeriods} = ${period * evaluationPeriods}`);
    }
  }
  const datapoints = numberOf(props.DatapointsToAlarm);
  // As in hashicorp/terraform#24070.
  if (datapoints !== undefined && datapoints > evaluationPeriods) yield cloudwatch('DatapointsToAlarm must be less than or equal to EvaluationPeriods');
}

// ---------------------------------------------------------------------------------------------

/** The services' own create-time rules; `lambdaConcurrencyQuota` is the region's Lambda quota. */
function serviceChecks(lambdaConcurrencyQuota: number): CreateCheck[] {
  return [
    ...NAME_RULES.map(nameCheck),
    check(['AWS::Lambda::Function'], functionSettings),
    check(['AWS::Lambda::Function'], functionEnvironment),
    check(['AWS::Lambda::Function'], reservedConcurrency(lambdaConcurrencyQuota)),
    check(['AWS::Lambda::EventSourceMapping'], sqsEventSource),
    check(['AWS::CloudWatch::Alarm'], alarmMetrics),
    check(['AWS::CloudWatch::Alarm'], alarmEvaluation),
  ];
}
