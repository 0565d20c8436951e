import { Fn, RemovalPolicy, Stack, Token, type StackProps } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PARAMETER_KEYS, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import { buildSite } from '../lib/site-bundle';
import { parameterLogicalId, readParameter } from '../lib/parameters';

/** How cdk-nag writes a value in a finding: a pseudo parameter's token as `<AWS::AccountId>`. */
function asNagShowsIt(value: string, pseudoParameter: string): string {
  return Token.isUnresolved(value) ? `<${pseudoParameter}>` : value;
}

/** The static web content (A1, A21) as built by lib/site-bundle.ts, plus a generated config.json. */
export interface SiteContentStackProps extends StackProps {
  readonly names: NameScope;
}

/**
 * The site's content: `site/` with the page's TypeScript bundled (lib/site-bundle.ts), and a
 * `config.json` telling the page its region and API URL (the page finds the other regions through
 * GET /regions). It is its own stack because it needs the API's URL, and the API stack needs the site
 * bucket (its images).
 */
export class SiteContentStack extends Stack {
  constructor(scope: Construct, id: string, props: SiteContentStackProps) {
    super(scope, id, props);
    const { names } = props;
    const bucketName = readParameter(this, names, PARAMETER_KEYS.siteBucketName);
    const siteUrl = readParameter(this, names, PARAMETER_KEYS.siteUrl);
    const bucket = s3.Bucket.fromBucketName(this, 'SiteBucket', bucketName);
    const distribution = cloudfront.Distribution.fromDistributionAttributes(this, 'SiteDistribution', {
      distributionId: readParameter(this, names, PARAMETER_KEYS.siteDistributionId),
      domainName: Fn.select(2, Fn.split('/', siteUrl)),
    });

    // The deployment handler gets its own role and log group instead of the managed
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
        s3deploy.Source.asset(buildSite()),
        s3deploy.Source.jsonData('config.json', { region: this.region, siteUrl, apiUrl: readParameter(this, names, PARAMETER_KEYS.apiUrl) }),
      ],
      destinationBucket: bucket,
      distribution,
      distributionPaths: ['/*'],
      memoryLimit: 256,
    });

    acknowledge(deployRole, `AwsSolutions-IAM5[Resource::arn:${this.partition}:s3:::<${parameterLogicalId(this, names, PARAMETER_KEYS.siteBucketName)}>/*]`,
      'The deployment replaces the whole site, so it writes and deletes any object key in the site bucket.');
    acknowledge(deployRole, `AwsSolutions-IAM5[Resource::arn:${this.partition}:s3:::cdk-hnb659fds-assets-${asNagShowsIt(this.account, 'AWS::AccountId')}-${asNagShowsIt(this.region, 'AWS::Region')}/*]`,
      'The deployment reads the site asset from the CDK bootstrap bucket (default qualifier), whose object keys are content hashes.');
    acknowledge(deployRole, 'AwsSolutions-IAM5[Resource::*]',
      'CDK grants cloudfront:CreateInvalidation/GetInvalidation on all distributions; the handler only invalidates the site\'s distribution.');
    const deployFunction = this.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (deployFunction) {
      acknowledge(deployFunction, 'AwsSolutions-L1',
        'The BucketDeployment handler runtime is chosen by aws-cdk-lib and moves forward with each CDK upgrade.');
    }
  }
}
