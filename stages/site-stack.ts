import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as path from 'node:path';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge } from '../lib/nag';
import { PARAMETER_KEYS, parameterPath, resourceName, type NameScope } from '../lib/names';

/** The static web content (A1), deployed as it is. */
const SITE_DIR = path.resolve(__dirname, '..', 'site');

/** The CDK bootstrap asset bucket of a stack's environment (default synthesizer, default qualifier). */
function assetBucketName(stack: Stack): string {
  return `cdk-hnb659fds-assets-${stack.account}-${stack.region}`;
}

export interface SiteStackProps extends StackProps {
  readonly names: NameScope;
}

/** The region's static site (A1): a private bucket served only through CloudFront with OAC. */
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

    const distribution = new cloudfront.Distribution(this, 'SiteDistribution', {
      comment: resourceName(names, 'site'),
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
    acknowledge(distribution, 'AwsSolutions-CFR2',
      'WAF costs a fixed monthly fee per web ACL; it is off by default (SPEC A1) and the APIs are throttled.');
    acknowledge(distribution, 'AwsSolutions-CFR3',
      'Standard logging needs an ACL-enabled bucket; the origin bucket has S3 access logs and CloudFront metrics are on.');
    acknowledge(distribution, 'AwsSolutions-CFR4',
      'The default *.cloudfront.net certificate cannot pin TLS 1.2; with a custom domain the distribution enforces TLSv1.2_2021.');

    // BucketDeployment's handler gets its own role and log group instead of the managed
    // AWSLambdaBasicExecutionRole (which may write to any log group).
    const deployLogs = new logs.LogGroup(this, 'SiteContentLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deployRole = new iam.Role(this, 'SiteContentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the static site into the site bucket at deploy time',
    });
    deployLogs.grantWrite(deployRole);
    new s3deploy.BucketDeployment(this, 'SiteContent', {
      role: deployRole,
      logGroup: deployLogs,
      sources: [
        s3deploy.Source.asset(SITE_DIR),
        s3deploy.Source.jsonData('config.json', { region: this.region }),
      ],
      destinationBucket: bucket,
      distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
    });

    acknowledge(deployRole, `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'The deployment replaces the whole site, so it writes and deletes any object key in the site bucket.');
    acknowledge(deployRole, `AwsSolutions-IAM5[Resource::arn:${this.partition}:s3:::${assetBucketName(this)}/*]`,
      'The deployment reads the site asset from the CDK bootstrap bucket, whose object keys are content hashes.');
    acknowledge(deployRole, 'AwsSolutions-IAM5[Resource::*]',
      'CDK grants cloudfront:CreateInvalidation/GetInvalidation on all distributions; the handler only invalidates this stack\'s distribution.');
    const deployFunction = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (deployFunction) {
      acknowledge(deployFunction, 'AwsSolutions-L1',
        'The BucketDeployment handler runtime is chosen by aws-cdk-lib and moves forward with each CDK upgrade.');
    }

    const url = `https://${distribution.distributionDomainName}`;
    new ssm.StringParameter(this, 'SiteBucketNameParameter', {
      parameterName: parameterPath(names, PARAMETER_KEYS.siteBucketName),
      description: 'Name of this region\'s static site bucket',
      stringValue: bucket.bucketName,
    });
    new ssm.StringParameter(this, 'SiteUrlParameter', {
      parameterName: parameterPath(names, PARAMETER_KEYS.siteUrl),
      description: 'URL of this region\'s static site',
      stringValue: url,
    });
    this.siteUrl = new CfnOutput(this, 'SiteUrl', { value: url, description: 'URL of the static site' });
  }
}
