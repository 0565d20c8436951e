import { Match, type Template } from 'aws-cdk-lib/assertions';
import { CLICK_EVENT_DETAIL_TYPE, CLICK_EVENT_SOURCE } from '../../lambda/shared/click-event';
import { REGION_B, stagesBuilding, templateOf, threeRegionConfig } from '../support/stages';

/** Region B's Events stack, as its stage builds it (the other stacks are stand-ins). */
let events: Template;

beforeAll(() => {
  events = templateOf(stagesBuilding('Events')(threeRegionConfig, [REGION_B])[0], 'Events');
});

describe('Events stack (A9, A10, A19)', () => {
  test('the click rule sends click events to the counter with a retry policy and an SQS dead-letter queue', () => {
    events.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: [CLICK_EVENT_SOURCE], 'detail-type': [CLICK_EVENT_DETAIL_TYPE] },
      Targets: [Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('ClickDlq'), 'Arn'] } },
      })],
    });
  });

  test('the DLQ replayer reports partial batch failures; what keeps failing moves on to a final queue', () => {
    events.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
    events.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'regionalapp-prod-click-dlq-us-west-2',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
  });

  test('every queue is encrypted and TLS-only (A16)', () => {
    const queues = Object.values(events.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    expect(Object.keys(events.findResources('AWS::SQS::QueuePolicy'))).toHaveLength(3);
  });

  test('.json and .csv files in the ingest bucket invoke the ingest function', () => {
    events.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.json' }] } } }),
          Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.csv' }] } } }),
        ],
      },
    });
  });
});
