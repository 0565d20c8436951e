import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge } from '../lib/nag';
import { PARAMETER_KEYS, ROUTES, parameterPath, resourceName, type NameScope } from '../lib/names';
import { RegionalFunction } from '../lib/regional-function';

export interface ApiStackProps extends StackProps {
  readonly names: NameScope;
  /** Steady-state requests per second the whole API accepts before answering 429 (A17). */
  readonly throttleRateLimit?: number;
  readonly throttleBurstLimit?: number;
}

/** The region's user API (A4): an HTTP API with a public health route and the hello route. */
export class ApiStack extends Stack {
  /** The API's base URL; the pipeline's post-deploy step reads it (P6). */
  readonly apiUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { names } = props;
    const metricsNamespace = `${names.project}-${names.stageName}`;

    const api = new apigwv2.HttpApi(this, 'UserApi', {
      apiName: resourceName(names, 'user-api'),
      description: `RegionalApp user API in ${names.region}`,
      createDefaultStage: false,
    });

    const accessLogs = new logs.LogGroup(this, 'UserApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(names, 'user-api')}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new apigwv2.HttpStage(this, 'UserApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          method: '$context.httpMethod',
          route: '$context.routeKey',
          status: '$context.status',
          latencyMs: '$context.responseLatency',
          integrationError: '$context.integrationErrorMessage',
        })),
      },
    });

    const health = new RegionalFunction(this, 'HealthFunction', {
      handler: 'health',
      functionName: resourceName(names, 'health'),
      description: 'GET /health',
      serviceName: 'health',
      metricsNamespace,
      timeout: Duration.seconds(3),
      memorySize: 256,
    });
    const hello = new RegionalFunction(this, 'HelloFunction', {
      handler: 'hello',
      functionName: resourceName(names, 'hello'),
      description: 'GET /hello',
      serviceName: 'hello',
      metricsNamespace,
    });

    const [healthRoute] = api.addRoutes({
      path: ROUTES.health,
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('HealthIntegration', health),
    });
    const [helloRoute] = api.addRoutes({
      path: ROUTES.hello,
      methods: [apigwv2.HttpMethod.GET],
      integration: new HttpLambdaIntegration('HelloIntegration', hello),
    });

    acknowledge(healthRoute, 'AwsSolutions-APIG4',
      'Health checks (the pipeline check, Route 53) call /health without credentials; it reveals only the region and its status.');
    acknowledge(helloRoute, 'AwsSolutions-APIG4',
      'Until the region\'s Cognito user pool exists (SPEC A3/A4), /hello answers only the region name and nothing user-specific.');

    // The `$default` stage is served at the API's root, so the endpoint is the base URL.
    const url = api.apiEndpoint;
    new ssm.StringParameter(this, 'ApiUrlParameter', {
      parameterName: parameterPath(names, PARAMETER_KEYS.apiUrl),
      description: 'Base URL of this region\'s user API',
      stringValue: url,
    });
    this.apiUrl = new CfnOutput(this, 'ApiUrl', { value: url, description: 'Base URL of the user API' });
  }
}
