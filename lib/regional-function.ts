import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { handlerBundlePath, type HandlerName } from './handler-bundles';
import { acknowledge } from './nag';
import { RESERVED_CONCURRENCY } from './limits';
import { metricsNamespace, resourceName, type NameScope } from './names';

/** The Lambda runtime of every function; its Node major is the one in .nvmrc, which everything else runs on. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface RegionalFunctionProps {
  /**
   * Which handler in `lambda/` this function runs. It also names the function (resourceName) and
   * is its Powertools service name, the `service` dimension of its metrics.
   */
  readonly handler: HandlerName;
  /** The stage and region it belongs to: its physical name and metrics namespace follow from them. */
  readonly names: NameScope;
  readonly description: string;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** Async invocations: failed events go here after Lambda's own retries. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Lambda's own retries of failed async invocations (0–2). */
  readonly retryAttempts?: number;
}

/**
 * A Lambda function running one of the pre-built handler bundles, with the project's defaults:
 * arm64, Node 24, JSON logs in its own log group, reserved concurrency (A17, A18), X-Ray active
 * tracing (A22).
 */
export class RegionalFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: RegionalFunctionProps) {
    const functionName = resourceName(props.names, props.handler);
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, allowed to write only to its own log group (rather than the managed
    // AWSLambdaBasicExecutionRole, which may create and write any log group).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      functionName,
      description: props.description,
      code: lambda.Code.fromAsset(handlerBundlePath(props.handler)),
      handler: 'index.handler',
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      reservedConcurrentExecutions: RESERVED_CONCURRENCY[props.handler],
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.handler,
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(props.names),
        ...props.environment,
      },
    });
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords on `*` to the role.
    acknowledge(role, 'AwsSolutions-IAM5[Resource::*]',
      'X-Ray\'s PutTraceSegments and PutTelemetryRecords have no resource type: IAM accepts only "*" for them (active tracing, A22). Every other statement of this role names its resources.');
  }
}
