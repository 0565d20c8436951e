import { Match, type Template } from 'aws-cdk-lib/assertions';
import { EDGE_REGION, edgeParameterPath } from '../../lib/names';
import type { RegionalAppStage } from '../../stages/regional-app-stage';
import { customDomainAndWafConfig, DOMAIN, REGION_B, stackOf, stagesBuilding, templateOf, threeRegionConfig } from '../support/stages';

/** Site stacks as their stages build them (the other stacks are stand-ins). */
let site: Template; // region B's, without a custom domain or WAF
let domainStages: RegionalAppStage[]; // with customDomain and waf configured
let withDomain: Template[]; // their Site stacks

beforeAll(() => {
  const stages = stagesBuilding('Site');
  site = templateOf(stages(threeRegionConfig, [REGION_B])[0], 'Site');
  domainStages = stages(customDomainAndWafConfig);
  withDomain = domainStages.map((stage) => templateOf(stage, 'Site'));
});

describe('Site stack (A1)', () => {
  test('the site bucket is private, encrypted, versioned, TLS-only and logged', () => {
    site.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'site-bucket/' }),
    });
  });

  test('CloudFront serves it through Origin Access Control over HTTPS, with security headers and a 404 page', () => {
    site.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        CustomErrorResponses: Match.arrayWith([Match.objectLike({ ErrorCode: 404, ResponsePagePath: '/404.html' })]),
      }),
    });
  });
});

describe('with customDomain and waf configured', () => {
  test('A15/A16: the site serves its own name from region A with TLS 1.2; region B keeps its cloudfront.net name', () => {
    const [siteA, siteB] = withDomain;
    siteA.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: [DOMAIN.siteDomainName],
        ViewerCertificate: Match.objectLike({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' }),
      }),
    });
    const siteRecords = Object.values(siteA.findResources('AWS::Route53::RecordSet')).map((r) => `${r.Properties.Type} ${r.Properties.Name}`).sort();
    expect(siteRecords).toEqual([`A ${DOMAIN.siteDomainName}.`, `AAAA ${DOMAIN.siteDomainName}.`]);
    // A name can be on one distribution only: region B keeps its cloudfront.net name.
    siteB.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  test('the Site stack reads the edge ARNs from us-east-1 SSM: a dynamic reference in us-east-1, an SDK call elsewhere', () => {
    const [siteA, siteB] = withDomain;
    expect(JSON.stringify(siteA.toJSON())).toContain(edgeParameterPath({ project: 'regionalapp', stageName: 'prod', region: 'us-east-1' }, 'site-certificate-arn'));
    siteA.resourceCountIs('Custom::AWS', 0);
    const readers = Object.values(siteB.findResources('Custom::AWS'));
    expect(readers).toHaveLength(1);
    const create = JSON.parse(JSON.stringify(readers[0].Properties.Create));
    expect(JSON.stringify(create)).toContain(`${edgeParameterPath({ project: 'regionalapp', stageName: 'prod', region: 'us-west-2' }, 'web-acl-arn')}`);
    expect(JSON.stringify(create)).toContain(`\\"region\\":\\"${EDGE_REGION}\\"`);
    siteB.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:${EDGE_REGION}:123456789012:parameter/regionalapp/prod/edge/us-west-2/web-acl-arn` })] },
    });
    expect(stackOf(domainStages[1], 'Site')!.dependencies.map((s) => s.node.id)).toContain('Edge');
  });

  test('A22: every distribution has the CLOUDFRONT web ACL', () => {
    for (const t of withDomain) t.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ WebACLId: Match.anyValue() }) });
  });
});
