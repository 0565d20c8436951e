import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../lib/names';
import { API_HEALTH_CHECK } from '../../lib/regional-api-domain';
import { customDomainAndWafConfig, DOMAIN, REGION_B, stagesBuilding, templateOf, threeRegionConfig } from '../support/stages';

/** Api stacks as their stages build them (the other stacks are stand-ins). */
let api: Template; // region B's, without a custom domain
let withDomain: Template[]; // every region's, with customDomain and waf configured

beforeAll(() => {
  const stages = stagesBuilding('Api');
  api = templateOf(stages(threeRegionConfig, [REGION_B])[0], 'Api');
  withDomain = stages(customDomainAndWafConfig).map((stage) => templateOf(stage, 'Api'));
});

describe('Api stack (A4)', () => {
  test('public routes are /health, /login and /regions; every other route needs the region\'s Cognito JWT', () => {
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route')).map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType ?? 'NONE']);
    expect(routes.sort()).toEqual([
      ['GET /health', 'NONE'],
      ['GET /hello', 'JWT'],
      ['GET /regions', 'NONE'],
      ['GET /views', 'JWT'],
      ['POST /click', 'JWT'],
      ['POST /login', 'NONE'],
    ]);
    api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [Match.anyValue()], Issuer: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
    });
  });

  test('every route is throttled, login hardest, and the stage writes JSON access logs', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      RouteSettings: {
        'GET /health': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5 },
        'POST /login': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
        'GET /hello': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
        'POST /click': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 20 },
        'GET /views': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 10 },
        'GET /regions': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 5 },
      },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"status":"\\$context.status"') },
    });
  });

  test('CORS lets every region\'s page call this API (failover, A21), without credentials', () => {
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['*'], AllowMethods: ['GET', 'POST'], AllowCredentials: Match.absent() }),
    });
  });

  test('each function may do exactly what it needs', () => {
    const byRole = Object.entries(api.findResources('AWS::IAM::Policy')).map(([id, policy]) => [id, JSON.stringify(policy.Properties.PolicyDocument.Statement)]);
    const policyOf = (prefix: string) => byRole.find(([id]) => id.startsWith(prefix))?.[1] ?? '';
    expect(policyOf('LoginFunctionRole')).toMatch(/"dynamodb:PutItem"/);
    expect(policyOf('LoginFunctionRole')).toMatch(/"cognito-idp:InitiateAuth"/);
    expect(policyOf('ClickFunctionRole')).toMatch(/"events:PutEvents"/);
    expect(policyOf('ClickFunctionRole')).toMatch(/images\/clicked.svg/);
    expect(policyOf('HelloFunctionRole')).toMatch(/images\/hello.svg/);
    expect(policyOf('ViewsFunctionRole')).not.toMatch(/PutItem|UpdateItem/);
    expect(policyOf('HealthFunctionRole')).not.toMatch(/dynamodb|s3:|events:/);
    // GET /regions reads exactly the API URL parameter, in each app region.
    const regions = JSON.parse(policyOf('RegionsFunctionRole') || '[]') as { Action: unknown; Resource: unknown }[];
    const ssm = regions.find((statement) => statement.Action === 'ssm:GetParameter');
    expect(JSON.stringify(ssm?.Resource)).toMatch(/:ssm:us-east-1:.*parameter\/regionalapp\/prod\/api\/url/);
    expect(JSON.stringify(ssm?.Resource)).toMatch(/:ssm:us-west-2:.*parameter\/regionalapp\/prod\/api\/url/);
    expect(policyOf('RegionsFunctionRole')).not.toMatch(/dynamodb|s3:|events:|ssm:PutParameter/);
  });

  test('publishes its URL as an SSM parameter and a stack output, never an export', () => {
    api.hasResourceProperties('AWS::SSM::Parameter', { Name: '/regionalapp/prod/api/url', Type: 'String' });
    api.hasOutput('ApiUrl', { Export: Match.absent() });
  });
});

describe('with customDomain and waf configured', () => {
  test('A15: every app region has a health-checked latency record for the API name, aliased to its own API domain', () => {
    for (const [index, t] of withDomain.entries()) {
      const region = customDomainAndWafConfig.appRegions[index];
      t.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: DOMAIN.apiDomainName,
        DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
      });
      t.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: Match.anyValue(), DomainName: Match.anyValue() });
      t.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: DOMAIN.apiDomainName, ValidationMethod: 'DNS', DomainValidationOptions: [{ DomainName: DOMAIN.apiDomainName, HostedZoneId: DOMAIN.hostedZoneId }] });
      const records = Object.values(t.findResources('AWS::Route53::RecordSet'));
      expect(records).toHaveLength(1);
      const [record] = records;
      expect(record.Properties).toMatchObject({ Name: `${DOMAIN.apiDomainName}.`, Type: 'A', Region: region, SetIdentifier: region, HostedZoneId: DOMAIN.hostedZoneId });
      expect(record.Properties.AliasTarget).toMatchObject({ DNSName: { 'Fn::GetAtt': [expect.any(String), 'RegionalDomainName'] } });
      const [healthCheckId] = Object.keys(t.findResources('AWS::Route53::HealthCheck'));
      expect(record.Properties.HealthCheckId).toEqual({ Ref: healthCheckId });
      // The region's own execute-api host: a failed region fails its own check.
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: {
          Type: 'HTTPS',
          FullyQualifiedDomainName: { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('UserApi') }, `.execute-api.${region}.`, { Ref: 'AWS::URLSuffix' }]] },
          Port: 443,
          ResourcePath: ROUTES.health,
          EnableSNI: true,
          RequestInterval: API_HEALTH_CHECK.requestInterval.toSeconds(),
          FailureThreshold: API_HEALTH_CHECK.failureThreshold,
        },
      });
    }
  });
});
