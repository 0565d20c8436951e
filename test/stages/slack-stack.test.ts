import { Match, Template } from 'aws-cdk-lib/assertions';
import { INITIAL_FLAG_VALUE } from '../../lambda/shared/forced-failure';
import { RESERVED_CONCURRENCY, SLACK_API_THROTTLE } from '../../lib/limits';
import { nagFindings } from '../../lib/nag';
import { SlackStack } from '../../stages/slack-stack';
import { projectApp } from '../support/synth';

const app = projectApp();
const stack = new SlackStack(app, 'Slack', {
  names: { project: 'regionalapp', stageName: 'prod', region: 'us-west-2' },
  env: { account: '123456789012', region: 'us-west-2' },
  appRegions: ['us-east-1', 'us-west-2'],
  signingSecretName: 'regionalapp/slack-signing-secret',
});
const template = Template.fromStack(stack);
type Resource = { Type: string; Properties: Record<string, any> };
const resources = template.toJSON().Resources as Record<string, Resource>;
const ofType = (type: string) => Object.values(resources).filter((resource) => resource.Type === type);

describe('Slack stack (A5, A14, A15)', () => {
  test('its own HTTP API: one POST route, no authorizer', () => {
    expect(ofType('AWS::ApiGatewayV2::Api')).toEqual([expect.objectContaining({ Properties: expect.objectContaining({ Name: 'regionalapp-prod-slack-api-us-west-2', ProtocolType: 'HTTP' }) })]);
    const routes = ofType('AWS::ApiGatewayV2::Route');
    expect(routes.map((route) => route.Properties.RouteKey)).toEqual(['POST /slack/commands']);
    expect(routes[0].Properties.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(ofType('AWS::ApiGatewayV2::Authorizer')).toHaveLength(0);
  });

  test('the stage is throttled (burst within the function\'s reserved concurrency) and access-logged', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingBurstLimit: SLACK_API_THROTTLE.burstLimit, ThrottlingRateLimit: SLACK_API_THROTTLE.rateLimit },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    expect(SLACK_API_THROTTLE.burstLimit).toBeLessThanOrEqual(RESERVED_CONCURRENCY['slack-command']);
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'regionalapp-prod-slack-command-us-west-2', ReservedConcurrentExecutions: RESERVED_CONCURRENCY['slack-command'] });
  });

  test('the flag parameter is created as not failing, and the API URL is published in SSM', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/health/forced-failure', Value: INITIAL_FLAG_VALUE, Type: 'String' });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/slack/api-url' });
    expect(INITIAL_FLAG_VALUE).toBe('{"failing":false}');
    template.hasOutput('SlackApiUrl', {});
  });

  test('the function may do exactly this: read the signing secret, record signatures, read and write every region\'s flag', () => {
    const [policy] = ofType('AWS::IAM::Policy').filter((candidate) => JSON.stringify(candidate.Properties.Roles).includes('SlackCommandFunctionRole'));
    const statements = (policy.Properties.PolicyDocument.Statement as Record<string, any>[]).map((statement) => ({
      actions: ([] as string[]).concat(statement.Action).sort(),
      resources: JSON.stringify(statement.Resource),
    })).filter((statement) => !statement.actions.every((action) => action.startsWith('xray:'))); // tracing, every function's
    expect(statements.map((statement) => statement.actions)).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      ['dynamodb:PutItem'],
      ['ssm:GetParameter', 'ssm:PutParameter'],
    ]);
    expect(statements[1].resources).toContain('secret:regionalapp/slack-signing-secret-??????');
    expect(statements[2].resources).toContain(':table/');
    const flagArns = JSON.parse(statements[3].resources);
    expect(flagArns).toHaveLength(2);
    expect(JSON.stringify(flagArns[0])).toContain(':ssm:us-east-1:');
    expect(JSON.stringify(flagArns[1])).toContain(':ssm:us-west-2:');
    for (const arn of flagArns) expect(JSON.stringify(arn)).toContain(':parameter/regionalapp/prod/health/forced-failure');
  });

  test('the function knows the table, the secret, the flag and every app region', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'regionalapp-prod-slack-command-us-west-2',
      Timeout: 5,
      Environment: { Variables: Match.objectLike({
        SIGNING_SECRET_ARN: 'regionalapp/slack-signing-secret',
        FORCED_FAILURE_PARAMETER: '/regionalapp/prod/health/forced-failure',
        APP_REGIONS: 'us-east-1,us-west-2',
        TABLE_NAME: Match.anyValue(),
      }) },
    });
  });

  test('no exports, and cdk-nag has nothing unacknowledged', () => {
    expect(JSON.stringify(template.toJSON().Outputs)).not.toContain('Export');
    expect(nagFindings(stack)).toEqual([]);
  });
});
