import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
import { alarmNames, metricsNamespace, PARAMETER_KEYS, queueNames, resourceName, type NameScope } from '../lib/names';
import { publishParameter, readParameter } from '../lib/parameters';
import { RegionalFunction } from '../lib/regional-function';
import { tableAccess } from '../lib/table-access';

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

    // CloudWatch can publish to an encrypted topic only through a customer-managed key it may use.
    const topicKey = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the ${names.region} alarm topic`,
      enableKeyRotation: true,
    });
    topicKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', {
      topicName: resourceName(names, 'alarms'),
      masterKey: topicKey,
      enforceSSL: true,
    });

    const webhook = secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhook', props.webhookSecretName);
    const notifier = new RegionalFunction(this, 'NotifierFunction', {
      handler: 'notifier',
      functionName: resourceName(names, 'notifier'),
      description: 'Sends alarm state changes to Slack and records each delivery',
      serviceName: 'notifier',
      metricsNamespace: namespace,
      timeout: Duration.seconds(20),
      // The handler retries Slack itself; Lambda's async retries would post duplicates.
      retryAttempts: 0,
      environment: { TABLE_NAME: tableName, WEBHOOK_SECRET_ARN: webhook.secretName },
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
    const appMetric = (service: HandlerName, metricName: string) => new cloudwatch.Metric({
      namespace, metricName, dimensionsMap: { service }, statistic: 'Sum', period: FIVE_MINUTES,
    });
    const queueDepth = (queueName: string) => new cloudwatch.Metric({
      namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensionsMap: { QueueName: queueName }, statistic: 'Maximum', period: FIVE_MINUTES,
    });

    const failedLogins = appMetric('login', 'FailedLogins');
    // A function that did not run in a period has no datapoint, and arithmetic on a missing
    // datapoint is missing: FILL makes it 0, so one failing function still counts.
    const sumOverFunctions = (prefix: string, metricName: string) => new cloudwatch.MathExpression({
      expression: appFunctions.map((_, i) => `FILL(${prefix}${i}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(appFunctions.map((handler, i) => [`${prefix}${i}`, lambdaMetric(handler, metricName)])),
    });
    const errorRate = new cloudwatch.MathExpression({
      label: 'Lambda error rate (%)',
      expression: `IF(invocations > 0, 100 * errors / invocations, 0)`,
      usingMetrics: {
        errors: sumOverFunctions('e', 'Errors'),
        invocations: sumOverFunctions('i', 'Invocations'),
      },
      period: FIVE_MINUTES,
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
      new cloudwatch.Alarm(this, 'ErrorRateAlarm', {
        alarmName: alarmName.errorRate,
        alarmDescription: `Lambda errors above ${props.alarms.errorRatePercent}% of invocations in ${names.region}`,
        metric: errorRate,
        threshold: props.alarms.errorRatePercent,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
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
          new cloudwatch.GraphWidget({ title: 'Logins', left: [failedLogins, appMetric('login', 'SuccessfulLogins')], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Clicks', left: [appMetric('click', 'Clicks'), appMetric('counter', 'ClicksCounted'), appMetric('counter', 'DuplicateClicks')], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Deliberate failures and Slack deliveries', left: [appMetric('click', 'DeliberateFailures'), appMetric('notifier', 'SlackDeliveries'), appMetric('notifier', 'SlackDeliveryFailures')], width: 8 }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
      ],
    });

    // CloudFormation accepts Tags on dashboards; cfn-lint 1.51's schema does not know them yet.
    (dashboard.node.defaultChild as cloudwatch.CfnDashboard).addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } });

    publishParameter(this, names, PARAMETER_KEYS.alarmTopicArn, topic.topicArn, 'SNS topic of this region\'s alarms');
  }
}
