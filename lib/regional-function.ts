import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { handlerBundlePath, type HandlerName } from './handler-bundles';

export interface RegionalFunctionProps {
  /** Which handler in `lambda/` this function runs. */
  readonly handler: HandlerName;
  /** The physical function name (see lib/names.ts). */
  readonly functionName: string;
  readonly description: string;
  readonly environment?: Record<string, string>;
  /** Powertools service name; also the metrics namespace's dimension. */
  readonly serviceName: string;
  readonly metricsNamespace: string;
  readonly timeout?: Duration;
  readonly memorySize?: number;
}

/** A Lambda function running one of the pre-built handler bundles, with the project's defaults (A18). */
export class RegionalFunction extends lambda.Function {
  constructor(scope: Construct, id: string, props: RegionalFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      logGroupName: `/aws/lambda/${props.functionName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Its own role, allowed to write only to its own log group (rather than the managed
    // AWSLambdaBasicExecutionRole, which may create and write any log group).
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.functionName}`,
    });
    logGroup.grantWrite(role);
    super(scope, id, {
      role,
      functionName: props.functionName,
      description: props.description,
      code: lambda.Code.fromAsset(handlerBundlePath(props.handler)),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        ...props.environment,
      },
    });
  }
}
