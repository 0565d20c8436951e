import { ArnFormat, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../lib/config';
import { HANDLERS, type HandlerName } from '../lib/handler-bundles';
import { alarmNamePrefix, alarmNames, functionErrorRateAlarmName, metricsNamespace, PARAMETER_KEYS, queueNames, resourceName, type NameScope } from '../lib/names';
import { publishParameter, readParameter } from '../lib/parameters';
import { RegionalFunction } from '../lib/regional-function';
import { tableAccess } from '../lib/table-access';
import { METRIC, type MetricName } from '../lambda/shared/metric-names';

export interface MonitoringStackProps extends StackProps {
  readonly names: NameScope;
  readonly alarms: AlarmThresholds;
  /** Secrets Manager secret name holding the Slack incoming-webhook URL. */
  readonly webhookSecretName: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Monitoring (A12, A13): the region's dashboard; alarms on failed logins, the Lambda error rate
 * and dead-lettered clicks; an encrypted SNS topic for them; and the Slack notifier it triggers.
 * Metrics are found by the names in lib/names.ts, so this stack holds no references to others.
 */
export class MonitoringStack extends Stack {
  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { names } = props;
    const tableName = readParameter(this, names, PARAMETER_KEYS.tableName);
    const namespace = metricsNamespace(names);
    const alarmName = alarmNames(names);
    const queues = queueNames(names);

    // Only this stage's alarms in this region may publish, through the topic or its key. Built from
    // names, not from the alarms' ARNs: the key cannot refer to alarms that refer to its topic.
    const fromOurAlarms = {
      ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${alarmNamePrefix(names)}*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      StringEquals: { 'aws:SourceAccount': this.account },
    };
    const cloudwatchService = new iam.ServicePrincipal('cloudwatch.amazonaws.com');

    // CloudWatch can publish to an encrypted topic only through a customer-managed key it may use.
    // "The publisher must have the kms:GenerateDataKey and kms:Decrypt permissions" (SNS key
    // management): exactly those two, no GenerateDataKey* wildcard.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ${names.region} alarm topic`,
      enableKeyRotation: true,
    });
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToUseTheKey',
      principals: [cloudwatchService],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: fromOurAlarms,
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: resourceName(names, 'alarms'),
      masterKey: topicKey,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, which replaces SNS's default one: without this Allow,
    // CloudWatch is "not authorized to perform: SNS:Publish" and no alarm reaches Slack.
    topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [cloudwatchService],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromOurAlarms,
    }));

    const webhook = secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhook', props.webhookSecretName);
    const notifier = new RegionalFunction(this, 'NotifierFunction', {
      handler: 'notifier',
      names,
      description: 'Sends alarm state changes to Slack and records each delivery',
      timeout: Duration.seconds(20),
      // The handler retries Slack itself; Lambda's async retries would post duplicates.
      retryAttempts: 0,
      environment: { TABLE_NAME: tableName, WEBHOOK_SECRET_ARN: webhook.secretName, CHECK_ALARM_NAME: alarmName.alarmPathCheck },
    });
    webhook.grantRead(notifier);
    notifier.addToRolePolicy(tableAccess(this, tableName, ['dynamodb:PutItem']));
    topic.addSubscription(new subscriptions.LambdaSubscription(notifier));

    const appFunctions = HANDLERS.filter((handler) => handler !== 'notifier');
    const lambdaMetric = (handler: HandlerName, metricName: string, statistic = 'Sum') => new cloudwatch.Metric({
      namespace: 'AWS/Lambda',
      metricName,
      dimensionsMap: { FunctionName: resourceName(names, handler) },
      statistic,
      period: FIVE_MINUTES,
    });
    const appMetric = (service: HandlerName, metricName: MetricName) => new cloudwatch.Metric({
      namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period: FIVE_MINUTES,
    });
    const queueDepth = (queueName: string) => new cloudwatch.Metric({
      namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensionsMap: { QueueName: queueName }, statistic: 'Maximum', period: FIVE_MINUTES,
    });

    const failedLogins = appMetric('login', METRIC.failedLogins);
    // One error-rate alarm per function (two metrics and the expression each): an alarm may read at
    // most 10 metrics, and eight functions bring sixteen. The composite alarm below joins them and
    // is the one that notifies. A function that ran without failing may have no Errors datapoint:
    // FILL makes it 0. A function that did not run has no rate at all, which is not breaching.
    const functionErrorRateAlarms = appFunctions.map((handler) => new cloudwatch.Alarm(this, `ErrorRateAlarm-${handler}`, {
      alarmName: functionErrorRateAlarmName(names, handler),
      alarmDescription: `${handler}: errors above ${props.alarms.errorRatePercent}% of its invocations in 5 minutes in ${names.region} (part of ${alarmName.errorRate})`,
      metric: new cloudwatch.MathExpression({
        label: `${handler} error rate (%)`,
        expression: 'IF(FILL(invocations, 0) > 0, 100 * FILL(errors, 0) / FILL(invocations, 0), 0)',
        usingMetrics: { errors: lambdaMetric(handler, 'Errors'), invocations: lambdaMetric(handler, 'Invocations') },
        period: FIVE_MINUTES,
      }),
      threshold: props.alarms.errorRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
    const errorRateAlarm = new cloudwatch.CompositeAlarm(this, 'ErrorRateCompositeAlarm', {
      compositeAlarmName: alarmName.errorRate,
      alarmDescription: `A Lambda function's errors are above ${props.alarms.errorRatePercent}% of its invocations in ${names.region} (the triggering alarm names it)`,
      alarmRule: cloudwatch.AlarmRule.anyOf(...functionErrorRateAlarms),
    });

    const alarms = [
      new cloudwatch.Alarm(this, 'FailedLoginsAlarm', {
        alarmName: alarmName.failedLogins,
        alarmDescription: `At least ${props.alarms.failedLoginsPerFiveMinutes} failed logins in 5 minutes in ${names.region}`,
        metric: failedLogins,
        threshold: props.alarms.failedLoginsPerFiveMinutes,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      errorRateAlarm,
      new cloudwatch.Alarm(this, 'ClickDlqAlarm', {
        alarmName: alarmName.clickDlqNotEmpty,
        alarmDescription: 'Click events are waiting in the dead-letter queue (the replayer should drain it)',
        metric: queueDepth(queues.clickDlq),
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'UnprocessableClicksAlarm', {
        alarmName: alarmName.unprocessableClicks,
        alarmDescription: 'Click events failed every replay and need a person',
        metric: queueDepth(queues.unprocessable),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const alarm of alarms) {
      alarm.addAlarmAction(new actions.SnsAction(topic));
      alarm.addOkAction(new actions.SnsAction(topic));
    }

    // The post-deploy check's own alarm: its metric is never emitted, so it is OK (missing data is
    // not breaching) until the check sets it to ALARM with SetAlarmState, and CloudWatch sets it back
    // at its next evaluation. It proves CloudWatch → SNS → notifier → Slack on every release without
    // touching the real alarms; the notifier posts its ALARM as a short informational line and
    // does not post its OK. Not on the dashboard: it never means anything is wrong.
    const alarmPathCheck = new cloudwatch.Alarm(this, 'AlarmPathCheckAlarm', {
      alarmName: alarmName.alarmPathCheck,
      alarmDescription: `Release check only: the post-deploy check sets this alarm to ALARM to prove the Slack path in ${names.region}. No action needed.`,
      metric: new cloudwatch.Metric({ namespace, metricName: 'AlarmPathCheckNeverEmitted', statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarmPathCheck.addAlarmAction(new actions.SnsAction(topic));
    alarmPathCheck.addOkAction(new actions.SnsAction(topic));

    const apiId = readParameter(this, names, PARAMETER_KEYS.apiId);
    const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({
      namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: apiId, Stage: '$default' }, statistic, period: FIVE_MINUTES,
    });
    const perFunction = (metricName: string, statistic = 'Sum') => HANDLERS.map((handler) => lambdaMetric(handler, metricName, statistic).with({ label: handler }));
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: resourceName(names, 'dashboard'),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Lambda invocations', left: perFunction('Invocations'), width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Lambda errors', left: perFunction('Errors'), width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Lambda duration p90 (ms)', left: perFunction('Duration', 'p90'), width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'User API requests and errors', left: [apiMetric('Count', 'Sum'), apiMetric('4xx', 'Sum'), apiMetric('5xx', 'Sum')], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'User API latency p90 (ms)', left: [apiMetric('Latency', 'p90')], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Dead-lettered clicks', left: [queueDepth(queues.clickDlq), queueDepth(queues.unprocessable), queueDepth(queues.ingestRejects)], width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Logins', left: [failedLogins, appMetric('login', METRIC.successfulLogins)], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Clicks', left: [appMetric('click', METRIC.clicks), appMetric('counter', METRIC.clicksCounted), appMetric('counter', METRIC.duplicateClicks)], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Deliberate failures and Slack deliveries', left: [appMetric('click', METRIC.deliberateFailures), appMetric('notifier', METRIC.slackDeliveries), appMetric('notifier', METRIC.slackDeliveryFailures)], width: 8 }),
        ],
        [
          // A15: 1 while /health answers 503 because the region was failed on purpose (Slack: /regionalapp fail).
          new cloudwatch.GraphWidget({
            title: 'Forced failure (1 = failed on purpose)',
            left: [appMetric('health', METRIC.forcedFailure).with({ statistic: 'Maximum', label: METRIC.forcedFailure }), appMetric('click', METRIC.forcedFailureClicks)],
            leftYAxis: { min: 0 },
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Slack commands',
            left: [appMetric('slack-command', METRIC.slackCommands), appMetric('slack-command', METRIC.slackCommandsRejected), appMetric('slack-command', METRIC.forcedFailuresSet), appMetric('slack-command', METRIC.forcedFailuresCleared)],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
      ],
    });

    // CloudFormation accepts Tags on dashboards; cfn-lint 1.51's schema does not know them yet.
    (dashboard.node.defaultChild as cloudwatch.CfnDashboard).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });

    publishParameter(this, names, PARAMETER_KEYS.alarmTopicArn, topic.topicArn, 'SNS topic of this region\'s alarms');
  }
}
