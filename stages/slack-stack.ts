import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INITIAL_FLAG_VALUE } from '../lambda/shared/forced-failure';
import { SLACK_API_THROTTLE } from '../lib/limits';
import { PARAMETER_KEYS, parameterArn, parameterPath, resourceName, SLACK_ROUTES, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import { publishParameter, readParameter } from '../lib/parameters';
import { RegionalFunction } from '../lib/regional-function';
import { tableAccess } from '../lib/table-access';
import { ACCESS_LOG_FORMAT } from './api-stack';

export interface SlackStackProps extends StackProps {
  readonly names: NameScope;
  /** Every app region: a command received here may fail or recover any of them. */
  readonly appRegions: readonly string[];
  /** Secrets Manager secret name holding the Slack app's signing secret (in every app region). */
  readonly signingSecretName: string;
}

/**
 * The region's Slack command API (A5, A14) and its forced-failure flag (A15): an HTTP API of
 * its own, POST /slack/commands → the slack-command function, without an authorizer (Slack cannot
 * send a JWT; the function verifies Slack's request signature instead), throttled by
 * SLACK_API_THROTTLE, with JSON access logs.
 *
 * The flag parameter is created once as `{"failing":false}`; the function overwrites it. An update
 * of this stack leaves it alone while its template properties do not change (CloudFormation only
 * updates a resource whose properties changed), so a deploy does not recover a failed region.
 */
export class SlackStack extends Stack {
  readonly slackApiUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: SlackStackProps) {
    super(scope, id, props);
    const { names } = props;
    const tableName = readParameter(this, names, PARAMETER_KEYS.tableName);
    const flagName = parameterPath(names, PARAMETER_KEYS.forcedFailure);

    publishParameter(this, names, PARAMETER_KEYS.forcedFailure, INITIAL_FLAG_VALUE,
      'Forced failure of this region (A15): written by /regionalapp fail|recover, read by /health and /click');

    const api = new apigwv2.HttpApi(this, 'SlackApi', {
      apiName: resourceName(names, 'slack-api'),
      description: `RegionalApp Slack command API in ${names.region}`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'SlackApiAccessLogs', {
      logGroupName: `/aws/apigateway/${resourceName(names, 'slack-api')}`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new apigwv2.HttpStage(this, 'SlackApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: SLACK_API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    const signingSecret = secretsmanager.Secret.fromSecretNameV2(this, 'SlackSigningSecret', props.signingSecretName);
    const fn = new RegionalFunction(this, 'SlackCommandFunction', {
      handler: 'slack-command',
      names,
      description: 'POST /slack/commands: the /regionalapp slash command (status, fail, recover, help)',
      // Slack waits 3 s for the answer; each SSM call gives up after 1 s (lambda/slack-command.ts).
      timeout: Duration.seconds(5),
      environment: {
        TABLE_NAME: tableName,
        SIGNING_SECRET_ARN: signingSecret.secretName,
        FORCED_FAILURE_PARAMETER: flagName,
        APP_REGIONS: props.appRegions.join(','),
      },
    });
    signingSecret.grantRead(fn);
    // The seen-signature record (replay protection).
    fn.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem']));
    // Any app region's flag, in that region: a command received here can fail or recover any region.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: props.appRegions.map((region) => parameterArn({ partition: this.partition, region, account: this.account }, flagName)),
    }));

    const [route] = api.addRoutes({
      path: SLACK_ROUTES.commands,
      methods: [apigwv2.HttpMethod.POST],
      integration: new HttpLambdaIntegration('SlackCommandIntegration', fn),
    });
    acknowledge(route, 'AwsSolutions-APIG4',
      'Slack cannot present an IAM signature or a JWT: the function verifies Slack\'s v0 request signature (HMAC with the signing secret, 5-minute window, replays refused) before it does anything.');

    const url = api.apiEndpoint;
    publishParameter(this, names, PARAMETER_KEYS.slackApiUrl, url, 'Base URL of this region\'s Slack command API');
    this.slackApiUrl = new CfnOutput(this, 'SlackApiUrl', { value: url, description: `Slack command API base URL; the slash command's Request URL is this + ${SLACK_ROUTES.commands}` });
  }
}
