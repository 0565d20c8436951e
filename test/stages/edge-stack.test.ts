import type { Template } from 'aws-cdk-lib/assertions';
import { EDGE_REGION } from '../../lib/names';
import type { RegionalAppStage } from '../../stages/regional-app-stage';
import { customDomainAndWafConfig, DOMAIN, stackOf, stagesBuilding, templateOf, webAclRules } from '../support/stages';

/** Every region's Edge stack with customDomain and waf configured, as its stage builds it (the other stacks are stand-ins). */
let stages: RegionalAppStage[];
let edges: Template[];

beforeAll(() => {
  stages = stagesBuilding('Edge')(customDomainAndWafConfig);
  edges = stages.map((stage) => templateOf(stage, 'Edge'));
});

describe('with customDomain and waf configured', () => {
  test('A15/A16: region A\'s Edge stack, in us-east-1, makes the site\'s certificate; region B\'s none', () => {
    const [edgeA, edgeB] = edges;
    expect(stackOf(stages[0], 'Edge')!.region).toBe(EDGE_REGION);
    edgeA.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: DOMAIN.siteDomainName, ValidationMethod: 'DNS' });
    // A name can be on one distribution only: region B keeps its cloudfront.net name.
    edgeB.resourceCountIs('AWS::CertificateManager::Certificate', 0);
  });

  test('A22: a CLOUDFRONT web ACL in us-east-1 per distribution, with the managed rules and the rate limit', () => {
    for (const edge of edges) edge.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT', Rules: webAclRules, DefaultAction: { Allow: {} } });
  });
});
