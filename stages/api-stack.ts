import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { IDEMPOTENCY_KEY_HEADER } from '../lambda/shared/api-contract';
import type { CustomDomainConfig } from '../lib/config';
import { API_THROTTLE, ROUTE_THROTTLES, type ApiHandler } from '../lib/limits';
import { IMAGE_KEYS, PARAMETER_KEYS, parameterArn, parameterPath, resourceName, ROUTES, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import { publishParameter, readParameter } from '../lib/parameters';
import { RegionalApiDomain } from '../lib/regional-api-domain';
import { RegionalFunction } from '../lib/regional-function';
import { tableAccess } from '../lib/table-access';

export interface ApiStackProps extends StackProps {
  readonly names: NameScope;
  /** Probability (0–1) that a click fails on purpose (A8). */
  readonly randomFailureRate: number;
  /** Every app region, region A first: GET /regions reads each one's API URL from its SSM (A21). */
  readonly appRegions: readonly string[];
  /** With a custom domain: this region's domain, latency record and health check (A15). */
  readonly customDomain?: CustomDomainConfig;
}

interface RouteSpec {
  readonly handler: ApiHandler;
  readonly method: apigwv2.HttpMethod;
  readonly path: string;
  /** Public routes answer without a token; every other route needs the region's Cognito JWT. */
  readonly public?: boolean;
  readonly description: string;
}

/** The user API's routes (A4), in one table. */
const ROUTE_SPECS: readonly RouteSpec[] = [
  { handler: 'health', method: apigwv2.HttpMethod.GET, path: ROUTES.health, public: true, description: 'GET /health' },
  { handler: 'login', method: apigwv2.HttpMethod.POST, path: ROUTES.login, public: true, description: 'POST /login: Cognito sign-in, every attempt logged' },
  { handler: 'hello', method: apigwv2.HttpMethod.GET, path: ROUTES.hello, description: 'GET /hello: greeting and image' },
  { handler: 'click', method: apigwv2.HttpMethod.POST, path: ROUTES.click, description: 'POST /click: puts a click event, sometimes fails on purpose' },
  { handler: 'views', method: apigwv2.HttpMethod.GET, path: ROUTES.views, description: 'GET /views: the summed view counter' },
  { handler: 'regions', method: apigwv2.HttpMethod.GET, path: ROUTES.regions, public: true, description: 'GET /regions: every deployed app region\'s API URL, for the page\'s failover' },
];

/** Why each public route answers without a token (cdk-nag AwsSolutions-APIG4). */
const PUBLIC_ROUTE_REASONS = {
  health: 'Health checks (the pipeline check, Route 53) call /health without credentials; it reveals only the region and its status.',
  login: 'Signing in is how a user gets a token, so /login cannot require one; it is throttled hardest and every attempt is logged.',
  regions: 'The page must find the other regions before anyone has signed in, and while its own region may be down; /regions reveals only the API URLs the page already calls.',
} as const;

/** One JSON line per request in the access log (A4); the local gateway writes the same lines. */
export const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  route: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});

/**
 * The region's user API (A4): an HTTP API whose public routes are /health and /login and whose
 * other routes need a JWT from this region's user pool; throttled (login hardest), CORS limited to
 * the site's origin, JSON access logs. Unknown routes get API Gateway's JSON 404.
 */
export class ApiStack extends Stack {
  /** The API's base URL; the pipeline's post-deploy step reads it (P6). */
  readonly apiUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { names } = props;
    const tableName = readParameter(this, names, PARAMETER_KEYS.tableName);
    const siteBucketName = readParameter(this, names, PARAMETER_KEYS.siteBucketName);
    const userPoolId = readParameter(this, names, PARAMETER_KEYS.userPoolId);
    const userPoolClientId = readParameter(this, names, PARAMETER_KEYS.userPoolClientId);
    const eventBusName = readParameter(this, names, PARAMETER_KEYS.eventBusName);

    const api = new apigwv2.HttpApi(this, 'UserApi', {
      apiName: resourceName(names, 'user-api'),
      description: `RegionalApp user API in ${names.region}`,
      createDefaultStage: false,
      corsPreflight: {
        // Any origin (A21): every region's page calls every region's API when it fails over, and
        // no region can know the others' site origins at deploy time (region A deploys before
        // region B's site exists; no cross-region exports). CORS guards nothing here: the API
        // takes a bearer token in the Authorization header, never a cookie (no credentials).
        allowOrigins: ['*'],
        allowMethods: [apigwv2.CorsHttpMethod.GET, apigwv2.CorsHttpMethod.POST],
        allowHeaders: ['authorization', 'content-type', IDEMPOTENCY_KEY_HEADER],
        maxAge: Duration.hours(1),
      },
    });
    const stage = this.addStage(api, names);
    if (props.customDomain) new RegionalApiDomain(this, 'CustomDomain', { names, domain: props.customDomain, api, stage });

    const authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', `https://cognito-idp.${this.region}.${this.urlSuffix}/${userPoolId}`, {
      jwtAudience: [userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });

    // This region's forced-failure flag (A15), created by the Slack stack; health and click read it.
    const forcedFailureFlag = parameterPath(names, PARAMETER_KEYS.forcedFailure);
    const environments: Record<ApiHandler, Record<string, string>> = {
      health: { FORCED_FAILURE_PARAMETER: forcedFailureFlag },
      login: { TABLE_NAME: tableName, USER_POOL_CLIENT_ID: userPoolClientId },
      hello: { SITE_BUCKET_NAME: siteBucketName, HELLO_IMAGE_KEY: IMAGE_KEYS.hello },
      click: {
        FORCED_FAILURE_PARAMETER: forcedFailureFlag,
        TABLE_NAME: tableName,
        EVENT_BUS_NAME: eventBusName,
        RANDOM_FAILURE_RATE: String(props.randomFailureRate),
        SITE_BUCKET_NAME: siteBucketName,
        CLICKED_IMAGE_KEY: IMAGE_KEYS.clicked,
      },
      views: { TABLE_NAME: tableName },
      regions: { APP_REGIONS: props.appRegions.join(','), API_URL_PARAMETER: parameterPath(names, PARAMETER_KEYS.apiUrl) },
    };

    const functions = new Map<ApiHandler, RegionalFunction>();
    for (const spec of ROUTE_SPECS) {
      const fn = new RegionalFunction(this, `${pascal(spec.handler)}Function`, {
        handler: spec.handler,
        names,
        description: spec.description,
        timeout: Duration.seconds(spec.handler === 'health' ? 3 : 10),
        environment: environments[spec.handler],
      });
      functions.set(spec.handler, fn);
      const [route] = api.addRoutes({
        path: spec.path,
        methods: [spec.method],
        integration: new HttpLambdaIntegration(`${pascal(spec.handler)}Integration`, fn),
        authorizer: spec.public ? undefined : authorizer,
      });
      if (spec.public) {
        acknowledge(route, 'AwsSolutions-APIG4', PUBLIC_ROUTE_REASONS[spec.handler as keyof typeof PUBLIC_ROUTE_REASONS]);
      }
    }

    functions.get('login')!.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem']));
    functions.get('login')!.addToRolePolicy(new iam.PolicyStatement({
      actions: ['cognito-idp:InitiateAuth'],
      resources: [this.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: userPoolId })],
    }));
    // Each function may read exactly the one image it serves from the site bucket.
    const imageOf = { hello: IMAGE_KEYS.hello, click: IMAGE_KEYS.clicked } as const;
    for (const [handler, key] of Object.entries(imageOf) as [keyof typeof imageOf, string][]) {
      functions.get(handler)!.addToRolePolicy(new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`arn:${this.partition}:s3:::${siteBucketName}/${key}`],
      }));
    }
    functions.get('click')!.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:GetItem', 'dynamodb:Query']));
    functions.get('click')!.addToRolePolicy(new iam.PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [this.formatArn({ service: 'events', resource: 'event-bus', resourceName: eventBusName })],
    }));
    functions.get('views')!.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:Query']));
    // GET /regions reads the one API URL parameter in every app region's SSM, nothing else.
    functions.get('regions')!.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: props.appRegions.map((region) => parameterArn({ partition: this.partition, region, account: this.account }, parameterPath(names, PARAMETER_KEYS.apiUrl))),
    }));
    for (const handler of ['health', 'click'] as const) {
      functions.get(handler)!.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ssm:GetParameter'],
        resources: [parameterArn(this, forcedFailureFlag)],
      }));
    }

    // The `$default` stage is served at the API's root, so the endpoint is the base URL.
    const url = api.apiEndpoint;
    publishParameter(this, names, PARAMETER_KEYS.apiUrl, url, 'Base URL of this region\'s user API');
    publishParameter(this, names, PARAMETER_KEYS.apiId, api.apiId, 'ID of this region\'s user API (dashboard metrics)');
    this.apiUrl = new CfnOutput(this, 'ApiUrl', { value: url, description: 'Base URL of the user API' });
  }

  /** `$default` stage: a stage-wide default throttle, each route's own (login hardest), JSON access logs. */
  private addStage(api: apigwv2.HttpApi, names: NameScope): apigwv2.HttpStage {
    const accessLogs = new logs.LogGroup(this, 'UserApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(names, 'user-api')}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new apigwv2.HttpStage(this, 'UserApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    (stage.node.defaultChild as apigwv2.CfnStage).addPropertyOverride('RouteSettings', Object.fromEntries(ROUTE_SPECS.map((spec) => [
      `${spec.method} ${spec.path}`,
      { ThrottlingRateLimit: ROUTE_THROTTLES[spec.handler].rateLimit, ThrottlingBurstLimit: ROUTE_THROTTLES[spec.handler].burstLimit },
    ])));
    return stage;
  }

}

function pascal(name: string): string {
  return name.replace(/(^|-)(\w)/g, (_, __, letter: string) => letter.toUpperCase());
}
