import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CustomDomainConfig } from '../lib/config';
import { readEdgeParameter } from '../lib/edge-parameters';
import { acknowledge } from '../lib/nag';
import { EDGE_PARAMETER_KEYS, PARAMETER_KEYS, resourceName, type NameScope } from '../lib/names';
import { publishParameter } from '../lib/parameters';

export interface SiteStackProps extends StackProps {
  readonly names: NameScope;
  /**
   * The site's own name on this distribution (region A's), with its certificate from this region's
   * Edge stack in us-east-1 (A15).
   */
  readonly siteDomain?: { readonly domain: CustomDomainConfig; readonly siteDomainName: string };
  /** The CLOUDFRONT web ACL from this region's Edge stack (A22). */
  readonly webAcl?: boolean;
}

/**
 * The region's static site hosting (A1): a private bucket served only through CloudFront with
 * Origin Access Control. Its content is deployed by SiteContentStack, after the API exists.
 */
export class SiteStack extends Stack {
  readonly siteUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id, props);
    const { names } = props;

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, 'AwsSolutions-S1',
      'This bucket is the access-log destination; logging it into itself would loop.');

    const bucket = new s3.Bucket(this, 'SiteBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const { siteDomain } = props;
    const distribution = new cloudfront.Distribution(this, 'SiteDistribution', {
      comment: resourceName(names, 'site'),
      ...(siteDomain ? {
        domainNames: [siteDomain.siteDomainName],
        certificate: acm.Certificate.fromCertificateArn(this, 'SiteCertificate', readEdgeParameter(this, names, EDGE_PARAMETER_KEYS.siteCertificateArn)),
      } : {}),
      webAclId: props.webAcl ? readEdgeParameter(this, names, EDGE_PARAMETER_KEYS.webAclArn) : undefined,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      errorResponses: [
        { httpStatus: 404, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
        // A private bucket answers 403 for a missing key; show the same 404 page.
        { httpStatus: 403, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(5) },
      ],
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    acknowledge(distribution, 'AwsSolutions-CFR1',
      'The app is public by design; no country is to be blocked.');
    if (!props.webAcl) {
      acknowledge(distribution, 'AwsSolutions-CFR2',
        'WAF costs a fixed monthly fee per web ACL; it is off by default (A1, cdk.json "waf") and the APIs are throttled.');
    }
    acknowledge(distribution, 'AwsSolutions-CFR3',
      'Standard logging needs an ACL-enabled bucket; the origin bucket has S3 access logs and CloudFront metrics are on.');
    if (!siteDomain) {
      acknowledge(distribution, 'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate cannot pin TLS 1.2; with a custom domain the distribution enforces TLSv1.2_2021.');
    } else {
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: siteDomain.domain.hostedZoneId, zoneName: siteDomain.domain.zoneName });
      const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(distribution));
      new route53.ARecord(this, 'SiteRecord', { zone, recordName: siteDomain.siteDomainName, target });
      new route53.AaaaRecord(this, 'SiteRecordIpv6', { zone, recordName: siteDomain.siteDomainName, target });
      new CfnOutput(this, 'SiteDomainUrl', { value: `https://${siteDomain.siteDomainName}`, description: 'The site on its own name' });
    }

    const url = `https://${distribution.distributionDomainName}`;
    publishParameter(this, names, PARAMETER_KEYS.siteBucketName, bucket.bucketName, 'Name of this region\'s static site bucket');
    publishParameter(this, names, PARAMETER_KEYS.siteUrl, url, 'URL of this region\'s static site (the API allows it as CORS origin)');
    publishParameter(this, names, PARAMETER_KEYS.siteDistributionId, distribution.distributionId, 'CloudFront distribution of the static site');
    this.siteUrl = new CfnOutput(this, 'SiteUrl', { value: url, description: 'URL of the static site' });
  }
}
