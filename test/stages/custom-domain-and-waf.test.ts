import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../../pipeline/app';
import { readTemplate, synthesizedStacks } from '../../lib/assembly';
import { readCdkJsonContext, type AppConfig } from '../../lib/config';
import { nagFindings } from '../../lib/nag';
import { EDGE_REGION, edgeParameterPath, ROUTES } from '../../lib/names';
import { API_HEALTH_CHECK } from '../../lib/regional-api-domain';
import { MANAGED_RULE_GROUPS } from '../../lib/web-acl';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from '../support/config';
import { projectApp } from '../support/synth';

const DOMAIN = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.com', siteDomainName: 'www.example.com' };
const withDomainAndWaf = deployableConfig({ appRegions: ['us-east-1', 'us-west-2', 'eu-west-1'], customDomain: DOMAIN, waf: { enabled: true, rateLimitPerFiveMinutes: 500 } });
const plain = deployableConfig({ appRegions: ['us-east-1', 'us-west-2', 'eu-west-1'] });

function stagesOf(config: AppConfig) {
  const app = projectApp();
  const stages = config.appRegions.map((region) => new RegionalAppStage(app, `RegionalApp-${region}`, { config, region }));
  const stack = (stage: RegionalAppStage, id: string) => stage.node.tryFindChild(id) as Stack | undefined;
  const template = (stage: RegionalAppStage, id: string) => Template.fromStack(stack(stage, id)!);
  return { stages, stack, template };
}

describe('with customDomain and waf configured', () => {
  const { stages, stack, template } = stagesOf(withDomainAndWaf);

  test('A15: every app region has a health-checked latency record for the API name, aliased to its own API domain', () => {
    for (const [index, stage] of stages.entries()) {
      const region = withDomainAndWaf.appRegions[index];
      const api = template(stage, 'Api');
      api.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
        DomainName: DOMAIN.apiDomainName,
        DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
      });
      api.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: Match.anyValue(), DomainName: Match.anyValue() });
      api.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: DOMAIN.apiDomainName, ValidationMethod: 'DNS', DomainValidationOptions: [{ DomainName: DOMAIN.apiDomainName, HostedZoneId: DOMAIN.hostedZoneId }] });
      const records = Object.values(api.findResources('AWS::Route53::RecordSet'));
      expect(records).toHaveLength(1);
      const [record] = records;
      expect(record.Properties).toMatchObject({ Name: `${DOMAIN.apiDomainName}.`, Type: 'A', Region: region, SetIdentifier: region, HostedZoneId: DOMAIN.hostedZoneId });
      expect(record.Properties.AliasTarget).toMatchObject({ DNSName: { 'Fn::GetAtt': [expect.any(String), 'RegionalDomainName'] } });
      const [healthCheckId] = Object.keys(api.findResources('AWS::Route53::HealthCheck'));
      expect(record.Properties.HealthCheckId).toEqual({ Ref: healthCheckId });
      // The region's own execute-api host: a failed region fails its own check.
      api.hasResourceProperties('AWS::Route53::HealthCheck', {
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

  test('A15/A16: the site serves its own name from region A with a us-east-1 certificate and TLS 1.2', () => {
    const [stageA, stageB] = stages;
    const edgeA = stack(stageA, 'Edge')!;
    expect(edgeA.region).toBe(EDGE_REGION);
    template(stageA, 'Edge').hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: DOMAIN.siteDomainName, ValidationMethod: 'DNS' });
    template(stageA, 'Site').hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [DOMAIN.siteDomainName],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' }),
      }),
    });
    const siteRecords = Object.values(template(stageA, 'Site').findResources('AWS::Route53::RecordSet')).map((r) => `${r.Properties.Type} ${r.Properties.Name}`).sort();
    expect(siteRecords).toEqual([`A ${DOMAIN.siteDomainName}.`, `AAAA ${DOMAIN.siteDomainName}.`]);
    // A name can be on one distribution only: region B keeps its cloudfront.net name.
    template(stageB, 'Edge').resourceCountIs('AWS::CertificateManager::Certificate', 0);
    template(stageB, 'Site').resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('the Site stack reads the edge ARNs from us-east-1 SSM: a dynamic reference in us-east-1, an SDK call elsewhere', () => {
    const [stageA, stageB] = stages;
    const siteA = JSON.stringify(template(stageA, 'Site').toJSON());
    expect(siteA).toContain(edgeParameterPath({ project: 'regionalapp', stageName: 'prod', region: 'us-east-1' }, 'site-certificate-arn'));
    template(stageA, 'Site').resourceCountIs('Custom::AWS', 0);
    const siteB = template(stageB, 'Site');
    const readers = Object.values(siteB.findResources('Custom::AWS'));
    expect(readers).toHaveLength(1);
    const create = JSON.parse(JSON.stringify(readers[0].Properties.Create));
    expect(JSON.stringify(create)).toContain(`${edgeParameterPath({ project: 'regionalapp', stageName: 'prod', region: 'us-west-2' }, 'web-acl-arn')}`);
    expect(JSON.stringify(create)).toContain(`\\"region\\":\\"${EDGE_REGION}\\"`);
    siteB.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:${EDGE_REGION}:123456789012:parameter/regionalapp/prod/edge/us-west-2/web-acl-arn` })] },
    });
    expect(stack(stageB, 'Site')!.dependencies.map((s) => s.node.id)).toContain('Edge');
  });

  test('A22: a CLOUDFRONT web ACL in us-east-1 per distribution and a REGIONAL one on each user pool, with the managed rules and the rate limit', () => {
    const rules = Match.arrayWith([
      ...MANAGED_RULE_GROUPS.map((name) => Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } }, OverrideAction: { None: {} } })),
      Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: Match.objectLike({ Limit: 500, AggregateKeyType: 'IP' }) } }),
    ]);
    for (const stage of stages) {
      template(stage, 'Edge').hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', Rules: rules, DefaultAction: { Allow: {} } });
      const identity = template(stage, 'Identity');
      identity.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'REGIONAL', Rules: rules });
      const [poolId] = Object.keys(identity.findResources('AWS::Cognito::UserPool'));
      const [aclId] = Object.keys(identity.findResources('AWS::WAFv2::WebACL'));
      identity.hasResourceProperties('AWS::WAFv2::WebACLAssociation', { ResourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] }, WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] } });
      template(stage, 'Site').hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ WebACLId: Match.anyValue() }) });
    }
  });
});

describe('without customDomain and waf (the shipped default)', () => {
  const { stages, stack, template } = stagesOf(plain);

  test('nothing of the custom domain or WAF is synthesized', () => {
    for (const stage of stages) {
      expect(stack(stage, 'Edge')).toBeUndefined();
      for (const id of ['Api', 'Site', 'Identity']) {
        const t = template(stage, id);
        for (const type of ['AWS::Route53::RecordSet', 'AWS::Route53::HealthCheck', 'AWS::CertificateManager::Certificate', 'AWS::ApiGatewayV2::DomainName', 'AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation', 'Custom::AWS']) {
          t.resourceCountIs(type, 0);
        }
      }
      template(stage, 'Site').hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ Aliases: Match.absent(), WebACLId: Match.absent() }) });
    }
  });
});

test('a standalone development copy builds no custom domain (its records and API domain would collide with the pipeline\'s)', () => {
  const app = projectApp();
  const stage = new RegionalAppStage(app, 'RegionalAppDev', { config: { ...withDomainAndWaf, stageName: 'dev' }, region: 'us-west-2', standalone: true });
  for (const id of ['Api', 'Site']) {
    const t = Template.fromStack(stage.node.findChild(id) as Stack);
    t.resourceCountIs('AWS::Route53::RecordSet', 0);
    t.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  }
});

test('A22: every app function has active tracing', () => {
  const { stages, template } = stagesOf(plain);
  const functions = stages.flatMap((stage) => stage.node.children.filter((child): child is Stack => child instanceof Stack).map((s) => template(stage, s.node.id)))
    .flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')))
    .filter((fn) => String(fn.Properties.FunctionName ?? '').startsWith('regionalapp-'));
  expect(functions.length).toBeGreaterThan(10);
  for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
});

describe('the whole app with customDomain and waf', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'regionalapp-domain-'));
  const app = new App({ outdir, context: readCdkJsonContext() });
  buildApp(app, deployableConfig({ customDomain: DOMAIN, waf: { enabled: true } }));
  app.synth();
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  test('Q3: cdk-nag finds nothing unacknowledged', () => {
    expect(nagFindings(app)).toEqual([]);
  });

  test('Q5: no template has an Export', () => {
    for (const stack of synthesizedStacks(outdir)) {
      for (const output of Object.values(readTemplate(stack).Outputs ?? {})) expect(output).not.toHaveProperty('Export');
    }
  });
});
