import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { bucketName, PARAMETER_KEYS, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import { publishParameter, readParameter } from '../lib/parameters';

export interface AnalyticsStackProps extends StackProps {
  readonly names: NameScope;
}

/**
 * Analytics (A11): the global table's changes (Kinesis Data Streams for DynamoDB, created with the
 * table in region A) delivered by Firehose to an encrypted S3 bucket, partitioned by date.
 * Deployed in region A only: every replica receives every write, so region A's stream already
 * carries all regions' changes.
 */
export class AnalyticsStack extends Stack {
  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { names } = props;

    const bucket = new s3.Bucket(this, 'AnalyticsBucket', {
      // Named, so the post-deploy check's role can be granted listing it alone.
      bucketName: bucketName(names, this.account, 'analytics'),
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ transitions: [{ storageClass: s3.StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(30) }] }],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    acknowledge(bucket, 'AwsSolutions-S1',
      'Only Firehose writes here and readers use Athena, whose queries CloudTrail records; S3 access logs would add a log bucket per region for little.');

    const changes = kinesis.Stream.fromStreamArn(this, 'ChangeStream', readParameter(this, names, PARAMETER_KEYS.changeStreamArn));
    const delivery = new firehose.DeliveryStream(this, 'ChangesToS3', {
      source: new firehose.KinesisStreamSource(changes),
      destination: new firehose.S3Bucket(bucket, {
        dataOutputPrefix: 'changes/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
        errorOutputPrefix: 'errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/',
        bufferingInterval: Duration.seconds(60),
        compression: firehose.Compression.GZIP,
      }),
    });
    acknowledge(delivery, `AwsSolutions-IAM5[Resource::<${this.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'Firehose writes objects under keys it generates from the date partitions and delivery time.');
    acknowledge(delivery, 'AwsSolutions-KDF1',
      'Firehose server-side encryption applies only to Direct PUT; this stream reads from a KMS-encrypted Kinesis stream and writes to an SSE-S3 bucket.');
    publishParameter(this, names, PARAMETER_KEYS.analyticsBucketName, bucket.bucketName, 'Bucket of the global table\'s changes, by date (region A only)');
  }
}
