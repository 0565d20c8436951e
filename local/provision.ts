import { PutMetricAlarmCommand, type CloudWatchClient, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateUserPoolClientCommand, CreateUserPoolCommand, type CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { CreateTableCommand, UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, PutRuleCommand, PutTargetsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateStreamCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, type BucketLocationConstraint, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GetParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { AlarmDefinition, AnyAlarmDefinition, CompositeAlarmDefinition } from './alarm-evaluator';
import { checkCreate } from './create-checks';
import { roleArnOf, type IamPolicies, type PolicyDocument } from './iam-policies';
import { LocalHttpApi, type CorsConfiguration, type ThrottleSettings } from './http-gateway';
import { JwtAuthorizer } from './jwt-authorizer';
import { LocalFunction, type LocalFunctionSpec } from './lambda-runtime';
import type { MetricStore } from './metric-store';
import { SiteServer, type ErrorResponse } from './site-server';
import { resolve, resourceOrder, type LocalStack, type ResourceValues } from './templates';

/**
 * Creates one region's resources from its synthesized templates, stack by stack in deploy order
 * and resource by resource in reference order — the part of CloudFormation the local environment
 * needs. Data services go to the emulators; functions, HTTP APIs, the CloudFront site and the wiring
 * the emulators cannot run (rule → Lambda, queue → Lambda, bucket → Lambda, alarms → topic →
 * Lambda, table → Kinesis → Firehose) are collected in a LocalRegion for the local runtime.
 * Types with no local behaviour (IAM, logs, KMS, permissions, policies) only get names and ARNs.
 */

export const LOCAL_ACCOUNT_ID = '123456789012';

export interface AwsClients {
  readonly cloudwatch: CloudWatchClient;
  readonly cognito: CognitoIdentityProviderClient;
  readonly dynamodb: DynamoDBClient;
  readonly events: EventBridgeClient;
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly ssm: SSMClient;
}

/** A delivery the emulator puts on a local queue for the local runtime to hand to a function. */
export interface QueuedDelivery {
  readonly queueUrl: string;
  readonly functionArn: string;
  readonly description: string;
  /** EventBridge target dead-letter queue, for deliveries that cannot reach the function. */
  readonly deadLetterArn?: string;
  /** The service that invokes the function, and the rule or bucket it does it for (checked against the Lambda permissions). */
  readonly principal: 'events.amazonaws.com' | 's3.amazonaws.com';
  readonly sourceArn: string;
}

export interface EventSourceMapping {
  readonly queueArn: string;
  readonly functionArn: string;
  readonly batchSize: number;
  readonly reportBatchItemFailures: boolean;
  readonly maximumConcurrency: number;
}

export interface DeliveryStream {
  readonly name: string;
  readonly arn: string;
  /** The role Firehose reads the Kinesis source as, and the one it writes to S3 as. */
  readonly sourceRoleArn: string;
  readonly destinationRoleArn: string;
  readonly sourceStreamArn: string;
  readonly bucketName: string;
  readonly prefix: string;
  readonly compression: string;
}

export interface LocalRegion {
  readonly region: string;
  /** The templates' IAM: who may do what, and the resource policies deliveries are checked against. */
  readonly policies: IamPolicies;
  /** SNS topic ARN → the KMS key that encrypts it, for topics with server-side encryption. */
  readonly topicKeys: Map<string, string>;
  readonly functions: Map<string, LocalFunction>;
  readonly asyncRetries: Map<string, number>;
  readonly apis: LocalHttpApi[];
  readonly sites: SiteServer[];
  readonly queueUrls: Map<string, string>;
  readonly ruleDeliveries: QueuedDelivery[];
  readonly bucketDeliveries: QueuedDelivery[];
  readonly eventSourceMappings: EventSourceMapping[];
  /** Metric alarms (also in the emulator) and composite alarms (only here: moto cannot store them). */
  readonly alarms: AnyAlarmDefinition[];
  readonly subscriptions: { readonly topicArn: string; readonly protocol: string; readonly endpoint: string }[];
  /** A table's replica → Kinesis stream (Kinesis Data Streams for DynamoDB, set per replica). */
  readonly changeStreams: { readonly tableName: string; readonly region: string; readonly streamArn: string }[];
  /** Global tables created by this region's templates, with the regions of their replicas. */
  readonly globalTables: { readonly tableName: string; readonly regions: readonly string[] }[];
  readonly deliveryStreams: DeliveryStream[];
  /** Resource types this region's templates use that have no local behaviour. */
  readonly inert: Set<string>;
  functionByArn(arn: string): LocalFunction | undefined;
}

/** A region with nothing in it yet: what provisioning fills in from the templates. */
export function emptyLocalRegion(region: string, policies: IamPolicies): LocalRegion {
  const functions = new Map<string, LocalFunction>();
  return {
    region,
    policies,
    topicKeys: new Map(),
    functions,
    asyncRetries: new Map(),
    apis: [],
    sites: [],
    queueUrls: new Map(),
    ruleDeliveries: [],
    bucketDeliveries: [],
    eventSourceMappings: [],
    alarms: [],
    subscriptions: [],
    changeStreams: [],
    globalTables: [],
    deliveryStreams: [],
    inert: new Set(),
    // A qualified ARN (`…:function:name:alias`) reaches the function too.
    functionByArn: (functionArn) => functions.get(functionArn) ?? functions.get(functionArn.split(':').slice(0, 7).join(':')),
  };
}

export interface ProvisionOptions {
  readonly region: string;
  readonly clients: AwsClients;
  readonly metrics: MetricStore;
  readonly logDir: string;
  /** Environment every local function gets on top of its template's: region, endpoints, credentials. */
  readonly runtimeEnvironment: Readonly<Record<string, string>>;
  /** Where the Cognito emulator serves `/<poolId>/.well-known/jwks.json`. */
  readonly cognitoUrl: string;
  /** Every identity and resource policy of the templates goes here; functions sign as their role. */
  readonly policies: IamPolicies;
  /** The DynamoDB of another local region, for a global table's replicas there. */
  readonly replicaDynamodb?: (region: string) => DynamoDBClient | undefined;
}

type Props = Record<string, unknown>;
type Handler = (logicalId: string, props: Props, stack: LocalStack) => Promise<ResourceValues>;

/** What Lambda's SQS poller does as the function's execution role. */
export const ESM_QUEUE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

const arn = (service: string, region: string, resource: string) => `arn:aws:${service}:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;

/** A stable, lowercase physical name for resources the template leaves unnamed. */
function generatedName(stack: LocalStack, logicalId: string, maxLength = 63): string {
  const suffix = createHash('sha256').update(`${stack.stackName}/${logicalId}`).digest('hex').slice(0, 8);
  const base = `${stack.stackName}-${logicalId}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${base.slice(0, maxLength - suffix.length - 1)}-${suffix}`;
}

function shortId(seed: string, length = 10): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

/**
 * Ref values of inert types whose Ref is not a name (an ACM certificate's Ref is its ARN), and the
 * attributes templates read from them: the API's custom domain and its certificate, Route 53, WAF,
 * and AwsCustomResource's SDK call (the cross-region read of an Edge stack's SSM parameter).
 * Locally DNS, TLS and WAF do not exist: the global endpoint (global-endpoint.ts) stands in for the
 * latency records and health checks, read from the templates.
 */
const INERT_REFS: Record<string, (resourceArn: string, props: Props) => string> = {
  'AWS::CertificateManager::Certificate': (resourceArn) => resourceArn,
};
const INERT_ATTRIBUTES: Record<string, (name: string, props: Props, region: string) => Record<string, string>> = {
  'AWS::ApiGatewayV2::DomainName': (name, props, region) => ({
    RegionalDomainName: `d-${shortId(String(props.DomainName ?? name))}.execute-api.${region}.amazonaws.com`,
    RegionalHostedZoneId: 'ZLOCAL',
  }),
  'AWS::Route53::HealthCheck': (name) => ({ HealthCheckId: name }),
  'Custom::AWS': (name) => ({ 'Parameter.Value': `arn:aws:local:::${name}` }),
};

export class RegionProvisioner {
  readonly local: LocalRegion;
  private readonly rewrites = new Map<string, string>();
  private readonly apisById = new Map<string, LocalHttpApi>();
  private readonly handlers: Record<string, Handler>;

  constructor(private readonly options: ProvisionOptions) {
    this.local = emptyLocalRegion(options.region, options.policies);
    this.handlers = {
      'AWS::SSM::Parameter': (id, props, stack) => this.parameter(props, `CFN-${generatedName(stack, id)}`),
      'AWS::DynamoDB::GlobalTable': (id, props, stack) => this.table(props, generatedName(stack, id, 255)),
      'AWS::DynamoDB::Table': (id, props, stack) => this.table(props, generatedName(stack, id, 255)),
      'AWS::Kinesis::Stream': (id, props, stack) => this.kinesisStream(props, generatedName(stack, id, 128)),
      'AWS::Cognito::UserPool': (id, props, stack) => this.userPool(props, generatedName(stack, id)),
      'AWS::Cognito::UserPoolClient': (id, props, stack) => this.userPoolClient(props, generatedName(stack, id)),
      'AWS::S3::Bucket': (id, props, stack) => this.bucket(props, generatedName(stack, id)),
      'AWS::SQS::Queue': (id, props, stack) => this.queue(props, generatedName(stack, id, 80)),
      'AWS::Events::EventBus': (_id, props) => this.eventBus(props),
      'AWS::Events::Rule': (id, props, stack) => this.rule(props, generatedName(stack, id, 64)),
      'AWS::Lambda::Function': (id, props, stack) => this.lambdaFunction(props, stack, generatedName(stack, id, 64)),
      'AWS::Lambda::EventInvokeConfig': (_id, props) => this.eventInvokeConfig(props),
      'AWS::Lambda::EventSourceMapping': (id, props) => this.eventSourceMapping(props, id),
      'AWS::ApiGatewayV2::Api': (id, props, stack) => this.httpApi(props, stack, id),
      'AWS::ApiGatewayV2::Integration': (id, props, stack) => this.integration(props, stack, id),
      'AWS::ApiGatewayV2::Authorizer': (id, props, stack) => this.authorizer(props, stack, id),
      'AWS::ApiGatewayV2::Route': (id, props, stack) => this.route(props, stack, id),
      'AWS::ApiGatewayV2::Stage': (_id, props) => this.stage(props),
      'AWS::SNS::Topic': (id, props, stack) => this.topic(props, generatedName(stack, id, 256)),
      'AWS::SNS::Subscription': (id, props) => this.subscription(props, id),
      'AWS::CloudWatch::Alarm': (id, props, stack) => this.alarm(props, generatedName(stack, id, 255)),
      'AWS::CloudWatch::CompositeAlarm': (id, props, stack) => this.compositeAlarm(props, generatedName(stack, id, 255)),
      'AWS::CloudFront::Distribution': (id, props, stack) => this.distribution(props, stack, id),
      'Custom::CDKBucketDeployment': (_id, props, stack) => this.bucketDeployment(props, stack),
      'Custom::S3BucketNotifications': (_id, props) => this.bucketNotifications(props),
      'AWS::KinesisFirehose::DeliveryStream': (id, props, stack) => this.deliveryStream(props, generatedName(stack, id, 64)),
      'AWS::IAM::Role': (id, props, stack) => this.role(id, props, stack),
      'AWS::IAM::Policy': (id, props, stack) => this.identityPolicy(id, props, stack),
      'AWS::IAM::ManagedPolicy': (id, props, stack) => this.identityPolicy(id, props, stack),
      'AWS::SNS::TopicPolicy': (id, props, stack) => this.resourcePolicy(id, props, stack, (props.Topics as string[]) ?? []),
      'AWS::SQS::QueuePolicy': (id, props, stack) => this.resourcePolicy(id, props, stack, ((props.Queues as string[]) ?? []).map((url) => arn('sqs', this.options.region, url.split('/').pop()!))),
      'AWS::S3::BucketPolicy': (id, props, stack) => this.resourcePolicy(id, props, stack, [`arn:aws:s3:::${props.Bucket}`]),
      'AWS::KMS::Key': (id, props, stack) => this.kmsKey(id, props, stack),
      'AWS::Lambda::Permission': (id, props, stack) => this.lambdaPermission(id, props, stack),
    };
  }

  /** Creates every resource of `stack`; Ref/GetAtt values of unknown types are names and ARNs only. */
  async provisionStack(stack: LocalStack): Promise<void> {
    const resources = new Map<string, ResourceValues>();
    const parameters = await this.templateParameters(stack);
    for (const logicalId of resourceOrder(stack.template)) {
      const resource = stack.template.Resources![logicalId];
      if (resource.Type === 'AWS::CDK::Metadata') continue;
      const context = { region: this.options.region, accountId: LOCAL_ACCOUNT_ID, stackName: stack.stackName, resources, parameters };
      const handler = this.handlers[resource.Type];
      try {
        const props = this.rewrite(resolve(resource.Properties ?? {}, context)) as Props;
        checkCreate(this.local, { stack, logicalId, type: resource.Type, props, created: resources });
        resources.set(logicalId, handler ? await handler(logicalId, props, stack) : this.inert(resource.Type, logicalId, props, stack));
      } catch (error) {
        throw new Error(`Creating ${stack.displayName}/${logicalId} (${resource.Type}) locally failed: ${error instanceof Error ? error.message : error}`, { cause: error });
      }
    }
  }

  /** Plain template parameters take their defaults; SSM-typed ones read what earlier stacks published. */
  private async templateParameters(stack: LocalStack): Promise<Map<string, string>> {
    const parameters = Object.entries(stack.template.Parameters ?? {}).filter(([, parameter]) => parameter.Default !== undefined);
    const values = new Map(parameters.filter(([, parameter]) => !parameter.Type.startsWith('AWS::SSM::')).map(([name, parameter]) => [name, String(parameter.Default)]));
    const fromSsm = parameters.filter(([, parameter]) => parameter.Type.startsWith('AWS::SSM::Parameter::Value'));
    for (let start = 0; start < fromSsm.length; start += 10) {
      const batch = fromSsm.slice(start, start + 10);
      const { Parameters = [] } = await this.options.clients.ssm.send(new GetParametersCommand({ Names: batch.map(([, parameter]) => parameter.Default!) }));
      for (const [name, parameter] of batch) {
        const found = Parameters.find((candidate) => candidate.Name === parameter.Default);
        if (found?.Value !== undefined) values.set(name, found.Value);
      }
    }
    return values;
  }

  /** Local stand-ins answer on http://127.0.0.1; deployed URLs in the templates point to them. */
  private rewrite(value: unknown): unknown {
    if (typeof value === 'string') {
      let result = value;
      for (const [from, to] of this.rewrites) result = result.split(from).join(to);
      return result;
    }
    if (Array.isArray(value)) return value.map((item) => this.rewrite(item));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.rewrite(item)]));
    return value;
  }

  private inert(type: string, logicalId: string, props: Props, stack: LocalStack): ResourceValues {
    this.local.inert.add(type);
    const [, service = 'local', kind = 'resource'] = type.split('::');
    const name = String(props.RoleName ?? props.LogGroupName ?? props.Name ?? generatedName(stack, logicalId));
    // IAM is global: its ARNs have no region.
    const resourceArn = service === 'IAM' ? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:${kind.toLowerCase()}/${name}` : arn(service.toLowerCase(), this.options.region, `${kind.toLowerCase()}/${name}`);
    return { ref: INERT_REFS[type]?.(resourceArn, props) ?? name, attributes: { Arn: resourceArn, Id: name, KeyId: name, ...INERT_ATTRIBUTES[type]?.(name, props, this.options.region) } };
  }

  private async parameter(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.Name ?? fallbackName);
    await this.options.clients.ssm.send(new PutParameterCommand({ Name: name, Value: String(props.Value), Type: 'String', Overwrite: true, Description: props.Description as string | undefined }));
    return { ref: name, attributes: { Type: 'String', Value: String(props.Value) } };
  }

  /**
   * A table; a global table gets a replica (its own table and stream) in every region it lists,
   * and is handed to the replicator (local/replicator.ts) through `globalTables`.
   */
  private async table(props: Props, fallbackName: string): Promise<ResourceValues> {
    const tableName = String(props.TableName ?? fallbackName);
    const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
    const indexes = props.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[] | undefined;
    const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    const replicas = (props.Replicas as { Region: string; KinesisStreamSpecification?: { StreamArn: string } }[] | undefined) ?? [];
    const regions = replicas.length > 0 ? replicas.map((replica) => replica.Region) : [this.options.region];
    let streamArn: string | undefined;
    for (const region of regions) {
      const dynamodb = region === this.options.region ? this.options.clients.dynamodb : this.options.replicaDynamodb?.(region);
      if (!dynamodb) throw new Error(`Global table ${tableName} has a replica in ${region}, which this local environment does not run.`);
      const description = await dynamodb.send(new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: props.AttributeDefinitions as never,
        KeySchema: props.KeySchema as never,
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: indexes?.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })) as never,
        StreamSpecification: stream?.StreamViewType ? { StreamEnabled: true, StreamViewType: stream.StreamViewType as never } : undefined,
      }));
      if (region === this.options.region) streamArn = description.TableDescription?.LatestStreamArn;
      if (ttl?.Enabled && ttl.AttributeName) {
        await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
      }
    }
    if (replicas.length > 0) this.local.globalTables.push({ tableName, regions });
    for (const replica of replicas) {
      if (replica.KinesisStreamSpecification) this.local.changeStreams.push({ tableName, region: replica.Region, streamArn: replica.KinesisStreamSpecification.StreamArn });
    }
    return { ref: tableName, attributes: { Arn: arn('dynamodb', this.options.region, `table/${tableName}`), StreamArn: streamArn ?? '', TableId: tableName } };
  }

  private async kinesisStream(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.Name ?? fallbackName);
    const onDemand = (props.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND';
    await this.options.clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: onDemand ? 1 : Number(props.ShardCount ?? 1) }));
    return { ref: name, attributes: { Arn: arn('kinesis', this.options.region, `stream/${name}`) } };
  }

  private async userPool(props: Props, fallbackName: string): Promise<ResourceValues> {
    const { UserPool } = await this.options.clients.cognito.send(new CreateUserPoolCommand({
      PoolName: String(props.UserPoolName ?? fallbackName),
      Policies: props.Policies as never,
      AutoVerifiedAttributes: props.AutoVerifiedAttributes as never,
      UsernameAttributes: props.UsernameAttributes as never,
      UsernameConfiguration: props.UsernameConfiguration as never,
      AdminCreateUserConfig: props.AdminCreateUserConfig as never,
      AccountRecoverySetting: props.AccountRecoverySetting as never,
      Schema: props.Schema as never,
      MfaConfiguration: props.MfaConfiguration as never,
    }));
    const id = UserPool!.Id!;
    const providerName = `cognito-idp.${this.options.region}.amazonaws.com/${id}`;
    return { ref: id, attributes: { Arn: UserPool!.Arn!, ProviderName: providerName, ProviderURL: `https://${providerName}`, UserPoolId: id } };
  }

  private async userPoolClient(props: Props, fallbackName: string): Promise<ResourceValues> {
    const { UserPoolClient } = await this.options.clients.cognito.send(new CreateUserPoolClientCommand({
      UserPoolId: String(props.UserPoolId),
      ClientName: String(props.ClientName ?? fallbackName),
      ExplicitAuthFlows: props.ExplicitAuthFlows as never,
      GenerateSecret: Boolean(props.GenerateSecret),
      AccessTokenValidity: props.AccessTokenValidity as number | undefined,
      IdTokenValidity: props.IdTokenValidity as number | undefined,
      RefreshTokenValidity: props.RefreshTokenValidity as number | undefined,
      TokenValidityUnits: props.TokenValidityUnits as never,
      PreventUserExistenceErrors: props.PreventUserExistenceErrors as never,
    }));
    return { ref: UserPoolClient!.ClientId!, attributes: { ClientId: UserPoolClient!.ClientId!, Name: UserPoolClient!.ClientName ?? '' } };
  }

  private async bucket(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.BucketName ?? fallbackName);
    const { region } = this.options;
    await this.options.clients.s3.send(new CreateBucketCommand({
      Bucket: name,
      CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
    }));
    if ((props.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled') {
      await this.options.clients.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    }
    return {
      ref: name,
      attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${region}.amazonaws.com`, WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com` },
    };
  }

  private async queue(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.QueueName ?? fallbackName);
    const attributes: Record<string, string> = {};
    for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MaximumMessageSize', 'FifoQueue', 'ContentBasedDeduplication']) {
      if (props[key] !== undefined) attributes[key] = String(props[key]);
    }
    if (props.RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(props.RedrivePolicy);
    const { QueueUrl } = await this.options.clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const queueArn = arn('sqs', this.options.region, name);
    this.local.queueUrls.set(queueArn, QueueUrl!);
    return { ref: QueueUrl!, attributes: { Arn: queueArn, QueueName: name, QueueUrl: QueueUrl! } };
  }

  /** A queue only the local environment uses, standing in for a push to Lambda the emulator cannot make. */
  private async deliveryQueue(name: string): Promise<{ url: string; arn: string }> {
    const queueName = name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
    const { QueueUrl } = await this.options.clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
    const { Attributes } = await this.options.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  private async eventBus(props: Props): Promise<ResourceValues> {
    const name = String(props.Name);
    const { EventBusArn } = await this.options.clients.events.send(new CreateEventBusCommand({ Name: name }));
    return { ref: name, attributes: { Arn: EventBusArn!, Name: name } };
  }

  private async rule(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.Name ?? fallbackName);
    const busName = props.EventBusName ? String(props.EventBusName) : undefined;
    const { RuleArn } = await this.options.clients.events.send(new PutRuleCommand({
      Name: name,
      EventBusName: busName,
      EventPattern: props.EventPattern ? JSON.stringify(props.EventPattern) : undefined,
      ScheduleExpression: props.ScheduleExpression as string | undefined,
      State: (props.State as never) ?? 'ENABLED',
      Description: props.Description as string | undefined,
    }));
    const targets = (props.Targets as { Id: string; Arn: string; DeadLetterConfig?: { Arn?: string } }[] | undefined) ?? [];
    const emulatorTargets = [];
    for (const target of targets) {
      if (target.Arn.includes(':lambda:')) {
        const queue = await this.deliveryQueue(`local-${name}-${target.Id}`);
        this.local.ruleDeliveries.push({
          queueUrl: queue.url,
          functionArn: target.Arn,
          description: `rule ${name} → ${target.Arn.split(':').pop()}`,
          deadLetterArn: target.DeadLetterConfig?.Arn,
          principal: 'events.amazonaws.com',
          sourceArn: RuleArn!,
        });
        emulatorTargets.push({ Id: target.Id, Arn: queue.arn });
      } else {
        emulatorTargets.push({ Id: target.Id, Arn: target.Arn });
      }
    }
    if (emulatorTargets.length > 0) await this.options.clients.events.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: emulatorTargets }));
    return { ref: busName ? `${busName}|${name}` : name, attributes: { Arn: RuleArn! } };
  }

  private async lambdaFunction(props: Props, stack: LocalStack, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.FunctionName ?? fallbackName);
    const functionArn = arn('lambda', this.options.region, `function:${name}`);
    const values = { ref: name, attributes: { Arn: functionArn } };
    const code = props.Code as { S3Key?: string } | undefined;
    const codeDir = code?.S3Key ? stack.assets.get(code.S3Key) : undefined;
    if (!String(props.Runtime ?? '').startsWith('nodejs') || !codeDir) {
      // CDK's own custom-resource providers (Python) have local counterparts in this file instead.
      return values;
    }
    const variables = ((props.Environment as { Variables?: Record<string, string> } | undefined)?.Variables) ?? {};
    // Lambda hands the function its execution role's credentials; locally they name the role to the IAM proxy.
    const session = this.options.policies.session(String(props.Role), name);
    const spec: LocalFunctionSpec = {
      name,
      arn: functionArn,
      region: this.options.region,
      codeDir,
      handler: String(props.Handler),
      environment: {
        ...this.options.runtimeEnvironment,
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_SESSION_TOKEN: session.sessionToken,
        ...variables,
      },
      timeoutSeconds: Number(props.Timeout ?? 3),
      memoryMb: Number(props.MemorySize ?? 128),
      deadLetterQueueArn: (props.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn,
      roleSessionArn: session.sessionArn,
      maximumRetryAttempts: 2,
      reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
    };
    if (spec.deadLetterQueueArn) {
      // CreateFunction checks the execution role may send to the dead-letter queue.
      const decision = await this.options.policies.authorize({ principal: session.sessionArn, action: 'sqs:SendMessage', resource: spec.deadLetterQueueArn });
      if (!decision.allowed) throw new Error(`InvalidParameterValueException: The provided execution role does not have permissions to call SendMessage on SQS (${decision.message})`);
    }
    this.local.functions.set(functionArn, new LocalFunction(spec, this.options.metrics, this.options.logDir));
    return values;
  }

  private async eventInvokeConfig(props: Props): Promise<ResourceValues> {
    const name = String(props.FunctionName);
    if (props.MaximumRetryAttempts !== undefined) this.local.asyncRetries.set(name, Number(props.MaximumRetryAttempts));
    return { ref: `${name}-event-invoke-config` };
  }

  private async eventSourceMapping(props: Props, logicalId: string): Promise<ResourceValues> {
    const source = String(props.EventSourceArn);
    if (!source.includes(':sqs:')) throw new Error(`only SQS event sources run locally (got ${source})`);
    const functionName = String(props.FunctionName);
    const functionArn = functionName.startsWith('arn:') ? functionName : arn('lambda', this.options.region, `function:${functionName}`);
    // CreateEventSourceMapping checks the execution role can poll the queue, so the role's policy must come first.
    const fn = this.local.functionByArn(functionArn);
    if (fn) {
      for (const action of ESM_QUEUE_ACTIONS) {
        const decision = await this.options.policies.authorize({ principal: fn.spec.roleSessionArn, action, resource: source });
        if (!decision.allowed) throw new Error(`InvalidParameterValueException: The provided execution role does not have permissions to call ${action.split(':')[1]} on SQS (${decision.message})`);
      }
    }
    this.local.eventSourceMappings.push({
      queueArn: source,
      functionArn,
      batchSize: Number(props.BatchSize ?? 10),
      reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
      maximumConcurrency: Number((props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 2),
    });
    return { ref: shortId(logicalId, 32) };
  }

  private async httpApi(props: Props, stack: LocalStack, logicalId: string): Promise<ResourceValues> {
    if (props.ProtocolType !== 'HTTP') throw new Error(`only HTTP APIs run locally (got ${props.ProtocolType})`);
    const apiId = shortId(`${stack.stackName}/${logicalId}`);
    const api = new LocalHttpApi(apiId, String(props.Name), LOCAL_ACCOUNT_ID, props.CorsConfiguration as CorsConfiguration | undefined, this.local.functionByArn, this.options.metrics);
    const url = await api.listen();
    this.apisById.set(apiId, api);
    this.local.apis.push(api);
    // Anything that builds the deployed URL from the API id reaches the local gateway instead.
    this.rewrites.set(`https://${apiId}.execute-api.${this.options.region}.amazonaws.com`, url);
    return { ref: apiId, attributes: { ApiId: apiId, ApiEndpoint: url } };
  }

  private api(props: Props): LocalHttpApi {
    const api = this.apisById.get(String(props.ApiId));
    if (!api) throw new Error(`no local HTTP API ${props.ApiId}`);
    return api;
  }

  private async integration(props: Props, stack: LocalStack, logicalId: string): Promise<ResourceValues> {
    if (props.IntegrationType !== 'AWS_PROXY' || !String(props.IntegrationUri).includes(':lambda:')) {
      throw new Error(`only Lambda proxy integrations run locally (got ${props.IntegrationType} ${props.IntegrationUri})`);
    }
    if (String(props.PayloadFormatVersion ?? '1.0') !== '2.0') throw new Error('only payload format 2.0 runs locally');
    const id = shortId(`${stack.stackName}/${logicalId}`, 7);
    this.api(props).integrations.set(id, String(props.IntegrationUri));
    return { ref: id };
  }

  private async authorizer(props: Props, stack: LocalStack, logicalId: string): Promise<ResourceValues> {
    const jwt = props.JwtConfiguration as { Issuer?: string; Audience?: string[] } | undefined;
    if (props.AuthorizerType !== 'JWT' || !jwt?.Issuer) throw new Error(`only JWT authorizers run locally (got ${props.AuthorizerType})`);
    const issuer = new URL(jwt.Issuer);
    if (!issuer.hostname.startsWith('cognito-idp.')) throw new Error(`the local JWT authorizer knows Cognito issuers only (got ${jwt.Issuer})`);
    const id = shortId(`${stack.stackName}/${logicalId}`, 6);
    this.api(props).authorizers.set(id, new JwtAuthorizer({
      issuer: jwt.Issuer,
      audience: jwt.Audience ?? [],
      jwksUrl: `${this.options.cognitoUrl}${issuer.pathname}/.well-known/jwks.json`,
    }));
    return { ref: id };
  }

  private async route(props: Props, stack: LocalStack, logicalId: string): Promise<ResourceValues> {
    const target = props.Target ? String(props.Target) : undefined;
    this.api(props).routes.push({
      routeKey: String(props.RouteKey),
      integrationId: target?.replace(/^integrations\//, ''),
      authorizerId: props.AuthorizationType === 'JWT' ? String(props.AuthorizerId) : undefined,
      authorizationScopes: props.AuthorizationScopes as string[] | undefined,
    });
    return { ref: shortId(`${stack.stackName}/${logicalId}`, 7) };
  }

  private async stage(props: Props): Promise<ResourceValues> {
    const name = String(props.StageName);
    this.api(props).setStage({
      name,
      defaultRouteSettings: props.DefaultRouteSettings as ThrottleSettings | undefined,
      routeSettings: props.RouteSettings as Record<string, ThrottleSettings> | undefined,
      accessLogFormat: (props.AccessLogSettings as { Format?: string } | undefined)?.Format,
    }, path.join(this.options.logDir, `${this.api(props).name}-access.log`));
    return { ref: name };
  }

  private async topic(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.TopicName ?? fallbackName);
    const topicArn = arn('sns', this.options.region, name);
    if (props.KmsMasterKeyId) this.local.topicKeys.set(topicArn, String(props.KmsMasterKeyId));
    return { ref: topicArn, attributes: { TopicArn: topicArn, TopicName: name } };
  }

  private async subscription(props: Props, logicalId: string): Promise<ResourceValues> {
    this.local.subscriptions.push({ topicArn: String(props.TopicArn), protocol: String(props.Protocol), endpoint: String(props.Endpoint) });
    return { ref: `${props.TopicArn}:${shortId(logicalId, 36)}` };
  }

  private async alarm(props: Props, fallbackName: string): Promise<ResourceValues> {
    const definition = { ...props, AlarmName: String(props.AlarmName ?? fallbackName) } as unknown as AlarmDefinition;
    await this.options.clients.cloudwatch.send(new PutMetricAlarmCommand(definition as unknown as PutMetricAlarmCommandInput));
    this.local.alarms.push(definition);
    return { ref: definition.AlarmName, attributes: { Arn: arn('cloudwatch', this.options.region, `alarm:${definition.AlarmName}`) } };
  }

  /** moto has no PutCompositeAlarm: the composite stays here, and the alarm watcher evaluates its rule and holds its state. */
  private async compositeAlarm(props: Props, fallbackName: string): Promise<ResourceValues> {
    const definition = { ...props, AlarmName: String(props.AlarmName ?? fallbackName) } as unknown as CompositeAlarmDefinition;
    this.local.alarms.push(definition);
    return { ref: definition.AlarmName, attributes: { Arn: arn('cloudwatch', this.options.region, `alarm:${definition.AlarmName}`) } };
  }

  private async distribution(props: Props, stack: LocalStack, logicalId: string): Promise<ResourceValues> {
    const config = props.DistributionConfig as {
      DefaultRootObject?: string;
      Origins: { DomainName: string }[];
      CustomErrorResponses?: ErrorResponse[];
      DefaultCacheBehavior?: { ResponseHeadersPolicyId?: string };
    };
    const origin = config.Origins[0]?.DomainName ?? '';
    const bucket = origin.split('.s3.')[0];
    if (!bucket || bucket === origin) throw new Error(`only S3 bucket origins run locally (got ${origin})`);
    const site = new SiteServer({
      s3: this.options.clients.s3,
      bucket,
      defaultRootObject: config.DefaultRootObject,
      errorResponses: config.CustomErrorResponses ?? [],
      responseHeadersPolicyId: config.DefaultCacheBehavior?.ResponseHeadersPolicyId,
    });
    const url = await site.listen();
    this.local.sites.push(site);
    const id = `E${shortId(`${stack.stackName}/${logicalId}`, 13).toUpperCase()}`;
    const domainName = `${id.toLowerCase()}.cloudfront.net`;
    this.rewrites.set(`https://${domainName}`, url);
    this.rewrites.set(domainName, url.replace(/^http:\/\//, ''));
    return { ref: id, attributes: { DomainName: domainName, Id: id } };
  }

  /** The BucketDeployment custom resource: each source asset's files, markers filled in. */
  private async bucketDeployment(props: Props, stack: LocalStack): Promise<ResourceValues> {
    const keys = props.SourceObjectKeys as string[];
    const markers = (props.SourceMarkers as Record<string, string>[] | undefined) ?? [];
    const bucket = String(props.DestinationBucketName);
    const prefix = props.DestinationKeyPrefix ? `${String(props.DestinationKeyPrefix).replace(/\/$/, '')}/` : '';
    for (const [index, key] of keys.entries()) {
      const source = stack.assets.get(key);
      if (!source || !statSync(source).isDirectory()) throw new Error(`asset ${key} is not a directory in cdk.out`);
      for (const file of filesUnder(source)) {
        let body: Buffer | string = readFileSync(file);
        const replacements = Object.entries(markers[index] ?? {});
        if (replacements.length > 0) {
          let text = body.toString('utf8');
          for (const [marker, value] of replacements) text = text.split(marker).join(value);
          body = text;
        }
        await this.options.clients.s3.send(new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}${path.relative(source, file).split(path.sep).join('/')}`,
          Body: body,
          ContentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        }));
      }
    }
    return { ref: `${bucket}-deployment` };
  }

  /** S3 → Lambda notifications become S3 → local queue → function (moto cannot invoke Lambda). */
  private async bucketNotifications(props: Props): Promise<ResourceValues> {
    const bucket = String(props.BucketName);
    const config = props.NotificationConfiguration as {
      LambdaFunctionConfigurations?: { Events: string[]; Filter?: unknown; LambdaFunctionArn: string }[];
      QueueConfigurations?: { Events: string[]; Filter?: unknown; QueueArn: string }[];
    };
    const queueConfigurations = [...(config.QueueConfigurations ?? [])];
    for (const [index, lambda] of (config.LambdaFunctionConfigurations ?? []).entries()) {
      // PutBucketNotificationConfiguration checks that S3 may invoke each function (its Lambda permission).
      const decision = await this.options.policies.authorizeService('s3.amazonaws.com', 'lambda:InvokeFunction', lambda.LambdaFunctionArn, `arn:aws:s3:::${bucket}`);
      if (!decision.allowed) throw new Error(`InvalidArgument: Unable to validate the following destination configurations (${decision.message})`);
      const queue = await this.deliveryQueue(`local-${bucket}-${index}`);
      this.local.bucketDeliveries.push({
        queueUrl: queue.url,
        functionArn: lambda.LambdaFunctionArn,
        description: `bucket ${bucket} → ${lambda.LambdaFunctionArn.split(':').pop()}`,
        principal: 's3.amazonaws.com',
        sourceArn: `arn:aws:s3:::${bucket}`,
      });
      queueConfigurations.push({ Events: lambda.Events, Filter: lambda.Filter, QueueArn: queue.arn });
    }
    await this.options.clients.s3.send(new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { QueueConfigurations: queueConfigurations as never },
    }));
    return { ref: `${bucket}-notifications` };
  }

  private async role(logicalId: string, props: Props, stack: LocalStack): Promise<ResourceValues> {
    const values = this.inert('AWS::IAM::Role', logicalId, props, stack);
    const inline = (props.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[] | undefined) ?? [];
    this.options.policies.addRole(values.attributes!.Arn, inline, (props.ManagedPolicyArns as string[] | undefined) ?? []);
    return values;
  }

  private async identityPolicy(logicalId: string, props: Props, stack: LocalStack): Promise<ResourceValues> {
    const name = String(props.PolicyName ?? props.ManagedPolicyName ?? generatedName(stack, logicalId));
    for (const roleName of (props.Roles as string[] | undefined) ?? []) {
      this.options.policies.attach(roleArnOf(LOCAL_ACCOUNT_ID, roleName), name, props.PolicyDocument as PolicyDocument);
    }
    return { ref: name, attributes: { PolicyArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:policy/${name}` } };
  }

  private async resourcePolicy(logicalId: string, props: Props, stack: LocalStack, resourceArns: string[]): Promise<ResourceValues> {
    const document = props.PolicyDocument as PolicyDocument;
    for (const resourceArn of resourceArns) this.options.policies.addResourceStatements(resourceArn, [document.Statement].flat());
    return { ref: generatedName(stack, logicalId) };
  }

  private async kmsKey(logicalId: string, props: Props, stack: LocalStack): Promise<ResourceValues> {
    const keyId = shortId(`${stack.stackName}/${logicalId}`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const keyArn = arn('kms', this.options.region, `key/${keyId}`);
    const policy = props.KeyPolicy as PolicyDocument | undefined;
    if (policy) this.options.policies.addResourceStatements(keyArn, [policy.Statement].flat());
    this.local.inert.add('AWS::KMS::Key');
    return { ref: keyId, attributes: { Arn: keyArn, KeyId: keyId } };
  }

  private async lambdaPermission(logicalId: string, props: Props, stack: LocalStack): Promise<ResourceValues> {
    const functionName = String(props.FunctionName);
    const functionArn = functionName.startsWith('arn:') ? functionName : arn('lambda', this.options.region, `function:${functionName}`);
    this.options.policies.addLambdaPermission(functionArn, {
      Action: String(props.Action),
      Principal: String(props.Principal),
      SourceArn: props.SourceArn as string | undefined,
      SourceAccount: props.SourceAccount as string | undefined,
    });
    return { ref: generatedName(stack, logicalId) };
  }

  private async deliveryStream(props: Props, fallbackName: string): Promise<ResourceValues> {
    const name = String(props.DeliveryStreamName ?? fallbackName);
    const source = props.KinesisStreamSourceConfiguration as { KinesisStreamARN?: string; RoleARN: string } | undefined;
    const destination = props.ExtendedS3DestinationConfiguration as { BucketARN: string; Prefix?: string; CompressionFormat?: string; RoleARN: string } | undefined;
    if (!source?.KinesisStreamARN || !destination) throw new Error('only Kinesis-to-S3 delivery streams run locally');
    const streamArn = arn('firehose', this.options.region, `deliverystream/${name}`);
    this.local.deliveryStreams.push({
      name,
      arn: streamArn,
      sourceRoleArn: source.RoleARN,
      destinationRoleArn: destination.RoleARN,
      sourceStreamArn: source.KinesisStreamARN,
      bucketName: destination.BucketARN.replace('arn:aws:s3:::', ''),
      prefix: destination.Prefix ?? '',
      compression: destination.CompressionFormat ?? 'UNCOMPRESSED',
    });
    return { ref: name, attributes: { Arn: streamArn } };
  }
}

export function ensureDirectory(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
