import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { AnyAlarmDefinition } from './alarm-evaluator';
import { checkCreate } from './create-checks';
import type { LocalHttpApi } from './http-gateway';
import type { IamPolicies } from './iam-policies';
import type { LocalFunction } from './lambda-runtime';
import type { MetricStore } from './metric-store';
import { alarm, compositeAlarm } from './provision/alarms';
import { bucket, bucketDeployment, bucketNotifications } from './provision/buckets';
import { distribution } from './provision/distributions';
import { eventBus, rule } from './provision/events';
import { eventInvokeConfig, eventSourceMapping, lambdaFunction } from './provision/functions';
import { authorizer, httpApi, integration, route, stage } from './provision/http-apis';
import { bucketPolicy, identityPolicy, kmsKey, lambdaPermission, queuePolicy, role, topicPolicy } from './provision/iam';
import { userPool, userPoolClient } from './provision/identity';
import { inert } from './provision/inert';
import { LOCAL_ACCOUNT_ID } from './provision/names';
import { parameter, templateParameters } from './provision/parameters';
import { queue } from './provision/queues';
import { deliveryStream, kinesisStream } from './provision/streams';
import { table } from './provision/tables';
import { subscription, topic } from './provision/topics';
import type { SiteServer } from './site-server';
import { resolve, resourceOrder, type LocalStack, type ResourceValues } from './templates';

/**
 * Creates one region's resources from its synthesized templates, stack by stack in deploy order
 * and resource by resource in reference order — the part of CloudFormation the local environment
 * needs. Data services go to the emulators; functions, HTTP APIs, the CloudFront site and the wiring
 * the emulators cannot run (rule → Lambda, queue → Lambda, bucket → Lambda, alarms → topic →
 * Lambda, table → Kinesis → Firehose) are collected in a LocalRegion for the local runtime.
 * IAM, KMS and Lambda permissions create nothing: their policies go to IamPolicies. Other types
 * with no local behaviour only get names and ARNs.
 *
 * This file holds the order of work and what it fills in; each resource family's provisioner is a
 * file under provision/.
 */

export { LOCAL_ACCOUNT_ID } from './provision/names';
export { ESM_QUEUE_ACTIONS } from './provision/functions';

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

export type Props = Record<string, unknown>;

/** One template resource, its properties resolved, as its provisioner gets it. */
export interface TemplateResource {
  readonly logicalId: string;
  readonly type: string;
  readonly props: Props;
  readonly stack: LocalStack;
}

/** What every provisioner works with: the options, the region it fills in, and what resources leave for later ones. */
export interface ProvisionContext extends ProvisionOptions {
  readonly local: LocalRegion;
  /** Deployed URL → local URL: local stand-ins answer on http://127.0.0.1, and later resources' properties are rewritten to reach them. */
  readonly rewrites: Map<string, string>;
  /** API id → the local gateway, for the integrations, authorizers, routes and stages that name it. */
  readonly httpApis: Map<string, LocalHttpApi>;
}

/** Creates one resource (in an emulator, or in the LocalRegion) and answers its Ref and GetAtt values. */
type Provisioner = (context: ProvisionContext, resource: TemplateResource) => Promise<ResourceValues>;

/** Types missing here are inert (provision/inert.ts). */
const PROVISIONERS: Record<string, Provisioner> = {
  'AWS::SSM::Parameter': parameter,
  'AWS::DynamoDB::GlobalTable': table,
  'AWS::DynamoDB::Table': table,
  'AWS::Kinesis::Stream': kinesisStream,
  'AWS::Cognito::UserPool': userPool,
  'AWS::Cognito::UserPoolClient': userPoolClient,
  'AWS::S3::Bucket': bucket,
  'AWS::SQS::Queue': queue,
  'AWS::Events::EventBus': eventBus,
  'AWS::Events::Rule': rule,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::Lambda::EventInvokeConfig': eventInvokeConfig,
  'AWS::Lambda::EventSourceMapping': eventSourceMapping,
  'AWS::ApiGatewayV2::Api': httpApi,
  'AWS::ApiGatewayV2::Integration': integration,
  'AWS::ApiGatewayV2::Authorizer': authorizer,
  'AWS::ApiGatewayV2::Route': route,
  'AWS::ApiGatewayV2::Stage': stage,
  'AWS::SNS::Topic': topic,
  'AWS::SNS::Subscription': subscription,
  'AWS::CloudWatch::Alarm': alarm,
  'AWS::CloudWatch::CompositeAlarm': compositeAlarm,
  'AWS::CloudFront::Distribution': distribution,
  'Custom::CDKBucketDeployment': bucketDeployment,
  'Custom::S3BucketNotifications': bucketNotifications,
  'AWS::KinesisFirehose::DeliveryStream': deliveryStream,
  'AWS::IAM::Role': role,
  'AWS::IAM::Policy': identityPolicy,
  'AWS::IAM::ManagedPolicy': identityPolicy,
  'AWS::SNS::TopicPolicy': topicPolicy,
  'AWS::SQS::QueuePolicy': queuePolicy,
  'AWS::S3::BucketPolicy': bucketPolicy,
  'AWS::KMS::Key': kmsKey,
  'AWS::Lambda::Permission': lambdaPermission,
};

export class RegionProvisioner {
  readonly local: LocalRegion;
  private readonly context: ProvisionContext;

  constructor(options: ProvisionOptions) {
    this.local = emptyLocalRegion(options.region, options.policies);
    this.context = { ...options, local: this.local, rewrites: new Map(), httpApis: new Map() };
  }

  /** Creates every resource of `stack`; Ref/GetAtt values of unknown types are names and ARNs only. */
  async provisionStack(stack: LocalStack): Promise<void> {
    const resources = new Map<string, ResourceValues>();
    const parameters = await templateParameters(this.context, stack);
    for (const logicalId of resourceOrder(stack.template)) {
      const { Type: type, Properties: properties } = stack.template.Resources![logicalId];
      if (type === 'AWS::CDK::Metadata') continue;
      const resolveContext = { region: this.context.region, accountId: LOCAL_ACCOUNT_ID, stackName: stack.stackName, resources, parameters };
      const provisioner = PROVISIONERS[type];
      try {
        const resource: TemplateResource = { logicalId, type, props: this.rewrite(resolve(properties ?? {}, resolveContext)) as Props, stack };
        checkCreate(this.local, { ...resource, created: resources });
        resources.set(logicalId, provisioner ? await provisioner(this.context, resource) : inert(this.context, resource));
      } catch (error) {
        throw new Error(`Creating ${stack.displayName}/${logicalId} (${type}) locally failed: ${error instanceof Error ? error.message : error}`, { cause: error });
      }
    }
  }

  /** Deployed URLs in the templates point to the local stand-ins that replaced them. */
  private rewrite(value: unknown): unknown {
    if (typeof value === 'string') {
      let result = value;
      for (const [from, to] of this.context.rewrites) result = result.split(from).join(to);
      return result;
    }
    if (Array.isArray(value)) return value.map((item) => this.rewrite(item));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.rewrite(item)]));
    return value;
  }
}
