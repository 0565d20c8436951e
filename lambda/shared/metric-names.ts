/**
 * Every custom metric the handlers publish (Powertools Metrics, one namespace, dimension `service`)
 * and the monitoring stack graphs and alarms on (A12), named once: a renamed metric cannot leave a
 * dashboard widget or an alarm reading a name nothing publishes.
 */
export const METRIC = {
  successfulLogins: 'SuccessfulLogins',
  failedLogins: 'FailedLogins',
  clicks: 'Clicks',
  deliberateFailures: 'DeliberateFailures',
  forcedFailureClicks: 'ForcedFailureClicks',
  clicksCounted: 'ClicksCounted',
  duplicateClicks: 'DuplicateClicks',
  invalidClickEvents: 'InvalidClickEvents',
  replayedClicks: 'ReplayedClicks',
  replayFailures: 'ReplayFailures',
  forcedFailure: 'ForcedFailure',
  ingestFailedFiles: 'IngestFailedFiles',
  ingestedClicks: 'IngestedClicks',
  ingestDuplicateClicks: 'IngestDuplicateClicks',
  ingestRejectedRecords: 'IngestRejectedRecords',
  slackDeliveries: 'SlackDeliveries',
  slackDeliveryFailures: 'SlackDeliveryFailures',
  slackCommands: 'SlackCommands',
  slackCommandsRejected: 'SlackCommandsRejected',
  forcedFailuresSet: 'ForcedFailuresSet',
  forcedFailuresCleared: 'ForcedFailuresCleared',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];
