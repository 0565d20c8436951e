import { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { HANDLERS } from '../../lib/handler-bundles';
import { RESERVED_CONCURRENCY } from '../../lib/limits';
import { RegionalAppStage } from '../../stages/regional-app-stage';
import { policyStatements, stackOf, templateOf, threeRegionConfig as config } from '../support/stages';
import { projectApp } from '../support/synth';

/**
 * The stage as a whole: which stacks in which regions, their order, what they share, and what holds
 * for every stack. What one stack contains is in that stack's test file.
 */

const stacksOf = (stage: RegionalAppStage) => stage.node.children.filter((child): child is Stack => child instanceof Stack);

let stages: RegionalAppStage[];
let stageA: RegionalAppStage;
let stageB: RegionalAppStage;
let api: Template;

beforeAll(() => {
  const app = projectApp();
  stages = config.appRegions.map((region) => new RegionalAppStage(app, `RegionalApp-${region}`, { config, region }));
  [stageA, stageB] = stages;
  api = templateOf(stageB, 'Api');
  for (const stage of stages) templateOf(stage, 'Api'); // each stage synthesizes once, here
});

describe('RegionalApp stage', () => {
  test('has a stack per concern in its own region; analytics only in region A', () => {
    const ids = (stage: RegionalAppStage) => stacksOf(stage).map((child) => child.node.id).sort();
    expect(ids(stageA)).toEqual(['Analytics', 'Api', 'Data', 'Events', 'Identity', 'Monitoring', 'Site', 'SiteContent', 'Slack']);
    expect(ids(stageB)).toEqual(['Api', 'Data', 'Events', 'Identity', 'Monitoring', 'Site', 'SiteContent', 'Slack']);
    for (const [index, stage] of stages.entries()) {
      for (const stack of stacksOf(stage)) {
        expect(stack.region).toBe(config.appRegions[index]);
      }
    }
  });

  test('stacks are ordered by dependency, never coupled by exports', () => {
    const dependencies = (id: string) => stackOf(stageB, id)!.dependencies.map((stack) => stack.node.id).sort();
    expect(dependencies('Api')).toEqual(['Data', 'Events', 'Identity', 'Site']);
    expect(dependencies('SiteContent')).toEqual(['Api', 'Site']);
    for (const id of ['Api', 'Events', 'Monitoring', 'SiteContent']) {
      expect(JSON.stringify(templateOf(stageB, id).toJSON())).not.toMatch(/Fn::ImportValue/);
    }
  });

  test('every region runs the same handler bundles (bundled once)', () => {
    const codeOf = (stage: RegionalAppStage) => Object.values(templateOf(stage, 'Api').findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Code.S3Key).sort();
    expect(codeOf(stageA)).toEqual(codeOf(stageB));
  });

  test('resources carry the project, stage and region tags (A20)', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      Tags: Match.arrayWith([{ Key: 'project', Value: 'regionalapp' }, { Key: 'region', Value: 'us-west-2' }, { Key: 'stage', Value: 'prod' }]),
    });
  });

  test('every function is arm64 Node 24 with reserved concurrency and its own log group (A17, A18)', () => {
    const functions = [...stages.slice(0, 2).flatMap((stage) => ['Api', 'Events', 'Monitoring', 'Slack'].map((id) => templateOf(stage, id)))]
      .flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')))
      .filter((fn) => String(fn.Properties.FunctionName ?? '').startsWith('regionalapp-'));
    expect(functions).toHaveLength(HANDLERS.length * 2);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], LoggingConfig: { LogFormat: 'JSON' } });
      const handler = String(fn.Properties.FunctionName).replace(/^regionalapp-prod-/, '').replace(/-(us-east-1|us-west-2)$/, '');
      expect(fn.Properties.ReservedConcurrentExecutions).toBe(RESERVED_CONCURRENCY[handler as keyof typeof RESERVED_CONCURRENCY]);
    }
  });

  test('A22: every app function has active tracing', () => {
    const functions = stages.flatMap((stage) => stacksOf(stage).map((s) => templateOf(stage, s.node.id)))
      .flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')))
      .filter((fn) => String(fn.Properties.FunctionName ?? '').startsWith('regionalapp-'));
    expect(functions.length).toBeGreaterThan(10);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  test('no function role uses an AWS managed policy, and no statement grants a wildcard action', () => {
    for (const id of ['Api', 'Events', 'Monitoring']) {
      const t = templateOf(stageB, id);
      const functionRoles = Object.entries(t.findResources('AWS::IAM::Role')).filter(([logicalId]) => /FunctionRole/.test(logicalId));
      expect(functionRoles.length).toBeGreaterThan(0);
      for (const [, role] of functionRoles) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      for (const statement of policyStatements(t)) expect(JSON.stringify(statement.Action)).not.toContain('*');
    }
  });

  describe('without customDomain and waf (the shipped default)', () => {
    test('nothing of the custom domain or WAF is synthesized', () => {
      for (const stage of stages) {
        expect(stackOf(stage, 'Edge')).toBeUndefined();
        for (const id of ['Api', 'Site', 'Identity']) {
          const t = templateOf(stage, id);
          for (const type of ['AWS::Route53::RecordSet', 'AWS::Route53::HealthCheck', 'AWS::CertificateManager::Certificate', 'AWS::ApiGatewayV2::DomainName', 'AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation', 'Custom::AWS']) {
            t.resourceCountIs(type, 0);
          }
        }
        templateOf(stage, 'Site').hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ Aliases: Match.absent(), WebACLId: Match.absent() }) });
      }
    });
  });
});
