import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE } from '../lambda/shared/click-event';
import { bucketName, PARAMETER_KEYS, queueNames, resourceName, type NameScope } from '../lib/names';
import { acknowledge } from '../lib/nag';
import { publishParameter, readParameter } from '../lib/parameters';
import { RegionalFunction } from '../lib/regional-function';
import { tableAccess } from '../lib/table-access';

export interface EventsStackProps extends StackProps {
  readonly names: NameScope;
}

/**
 * Click counting and batch ingest (A9, A10, A19): the region's event bus, a rule to the idempotent
 * counter with a retry policy and an SQS dead-letter queue, the DLQ replayer, and the ingest bucket.
 */
export class EventsStack extends Stack {
  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);
    const { names } = props;
    const tableName = readParameter(this, names, PARAMETER_KEYS.tableName);
    const queues = queueNames(names);
    const common = { names, environment: { TABLE_NAME: tableName } };

    const bus = new events.EventBus(this, 'Bus', { eventBusName: resourceName(names, 'bus') });

    // What still fails after the replayer's attempts stays here, visible (and alarmed on).
    const unprocessable = secureQueue(this, 'UnprocessableClicks', queues.unprocessable);
    const clickDlq = secureQueue(this, 'ClickDlq', queues.clickDlq, { queue: unprocessable, maxReceiveCount: 3 });

    const counter = new RegionalFunction(this, 'CounterFunction', {
      ...common,
      handler: 'counter',
      description: 'Counts click events idempotently into this region\'s counter shard',
      // Processing failures (after Lambda's two async retries) land in the same DLQ as delivery failures.
      deadLetterQueue: clickDlq,
    });
    counter.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem', 'dynamodb:UpdateItem']));

    new events.Rule(this, 'ClickRule', {
      ruleName: resourceName(names, 'clicks'),
      eventBus: bus,
      eventPattern: { source: [CLICK_EVENT_SOURCE], detailType: [CLICK_EVENT_DETAIL_TYPE] },
      targets: [new targets.LambdaFunction(counter, {
        deadLetterQueue: clickDlq,
        retryAttempts: 8,
        maxEventAge: Duration.hours(2),
      })],
    });

    const replay = new RegionalFunction(this, 'DlqReplayFunction', {
      ...common,
      handler: 'dlq-replay',
      description: 'Replays dead-lettered click events through the idempotent counter',
      timeout: Duration.seconds(30),
    });
    replay.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    replay.addEventSource(new SqsEventSource(clickDlq, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }));

    // A19: click files dropped here are validated and counted through the same idempotent path.
    const rejects = secureQueue(this, 'IngestRejects', queues.ingestRejects);
    const ingestBucket = new s3.Bucket(this, 'IngestBucket', {
      // Named, so the post-deploy check's role can be granted its release-check/ prefix alone.
      bucketName: bucketName(names, this.account, 'ingest'),
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(30), noncurrentVersionExpiration: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    acknowledge(ingestBucket, 'AwsSolutions-S1',
      'Every ingested file gets a job item with its status and counts in the table (queryable by status); S3 access logs would duplicate that record.');
    const ingest = new RegionalFunction(this, 'IngestFunction', {
      ...common,
      handler: 'ingest',
      description: 'Validates and counts JSON/CSV click files from the ingest bucket',
      timeout: Duration.minutes(2),
      memorySize: 1024,
      environment: { ...common.environment, INGEST_REJECTS_QUEUE_URL: rejects.queueUrl },
    });
    ingest.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem', 'dynamodb:UpdateItem']));
    ingest.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [ingestBucket.arnForObjects('*')] }));
    acknowledge(ingest.role!, `AwsSolutions-IAM5[Resource::<${this.getLogicalId(ingestBucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'The ingest function reads whichever file was dropped into the ingest bucket; keys are chosen by the uploader.');
    rejects.grantSendMessages(ingest);
    for (const suffix of ['.json', '.csv']) {
      ingestBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(ingest), { suffix });
    }
    acknowledgeBucketNotificationsHandler(this);

    publishParameter(this, names, PARAMETER_KEYS.eventBusName, bus.eventBusName, 'This region\'s click event bus');
    publishParameter(this, names, PARAMETER_KEYS.ingestBucketName, ingestBucket.bucketName, 'Bucket for batch click files (.json/.csv)');
  }
}

/** An SQS queue encrypted at rest (SQS-managed keys) that refuses non-TLS requests (A16). */
function secureQueue(scope: Construct, id: string, queueName: string, deadLetterQueue?: sqs.DeadLetterQueue): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    queueName,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    visibilityTimeout: Duration.minutes(3),
    deadLetterQueue,
  });
  if (!deadLetterQueue) {
    acknowledge(queue, 'AwsSolutions-SQS3',
      'This queue is itself the last stop for failed messages; it is alarmed on when it is not empty.');
  }
  return queue;
}

/** S3 notifications are configured by CDK's own handler function, which the app does not control. */
function acknowledgeBucketNotificationsHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (!handler) return;
  acknowledge(handler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK\'s bucket-notifications handler runs once per deploy to set this bucket\'s notification configuration; its role is created by aws-cdk-lib.');
  acknowledge(handler, 'AwsSolutions-IAM5[Resource::*]',
    's3:PutBucketNotification is granted by aws-cdk-lib on all buckets to its notifications handler; it only configures this stack\'s bucket.');
}
