import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { projectApp } from '../support/synth';

const config = deployableConfig();
const app = projectApp();
const stages = config.appRegions.map((region) => new RegionalAppStage(app, `RegionalApp-${region}`, { config, region }));
const stackOf = (stage: RegionalAppStage, id: string) => stage.node.findChild(id) as Stack;
const [stageA, stageB] = stages;
const api = Template.fromStack(stackOf(stageB, 'Api'));
const site = Template.fromStack(stackOf(stageB, 'Site'));

describe('RegionalApp stage', () => {
  test('deploys into its own region of the configured account', () => {
    for (const [index, stage] of stages.entries()) {
      for (const id of ['Api', 'Site']) {
        expect(stackOf(stage, id).region).toBe(config.appRegions[index]);
        expect(stackOf(stage, id).account).toBe(config.account);
      }
    }
  });

  test('every region runs the same handler bundle (bundled once)', () => {
    const codeOf = (stage: RegionalAppStage) => Object.values(Template.fromStack(stackOf(stage, 'Api')).findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Code.S3Key).sort();
    expect(codeOf(stageA)).toEqual(codeOf(stageB));
  });

  test('resources carry the project, stage and region tags (A20)', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([{ Key: 'project', Value: 'regionalapp' }, { Key: 'region', Value: 'us-west-2' }, { Key: 'stage', Value: 'prod' }]),
    });
  });
});

describe('Api stack (A4)', () => {
  test('routes GET /health and GET /hello to their functions', () => {
    api.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /health' });
    api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /hello' });
  });

  test('the stage is throttled and writes JSON access logs', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"status":"\\$context.status"') },
    });
  });

  test('functions are arm64 Node 24, named per region, and log JSON to their own log group', () => {
    for (const name of ['health', 'hello']) {
      api.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: `regionalapp-prod-${name}-us-west-2`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      });
    }
    api.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/regionalapp-prod-hello-us-west-2', RetentionInDays: 30 });
  });

  test('function roles may write only to their own log group (no AWS managed policy)', () => {
    for (const role of Object.values(api.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const policy of Object.values(api.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^(Health|Hello)FunctionLogs/), 'Arn'] });
      }
    }
  });

  test('publishes its URL as an SSM parameter and a stack output, never an export', () => {
    api.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/api/url', Type: 'String' });
    api.hasOutput('ApiUrl', { Export: Match.absent() });
  });
});

describe('Site stack (A1)', () => {
  test('the site bucket is private, encrypted, versioned, TLS-only and logged', () => {
    site.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site-bucket/' }),
    });
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('CloudFront serves it through Origin Access Control over HTTPS, with security headers and a 404 page', () => {
    site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        CustomErrorResponses: Match.arrayWith([Match.objectLike({ ErrorCode: 404, ResponsePagePath: '/404.html' })]),
      }),
    });
  });
});
