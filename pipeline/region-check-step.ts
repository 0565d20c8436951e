import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, type IFileSetProducer } from 'aws-cdk-lib/pipelines';
import type { RegionalAppStage } from '../stages/regional-app-stage';
import { alarmNames, bucketName, parameterArn, parameterPrefix, queueNames, RELEASE_CHECK_PREFIX, tableName, type NameScope } from '../lib/names';
import { partialBuildSpec, reportPublishingStatement } from './build-spec';

export interface RegionCheckStepProps {
  /** The source checkout: the step runs the project's own end-to-end suite. */
  readonly input: IFileSetProducer;
  /** The deployed region under test. */
  readonly stage: RegionalAppStage;
  readonly names: NameScope;
  readonly account: string;
  readonly partition: string;
  /** The Slack app's signing secret (cdk.json slack.signingSecretName): the suite signs its Slack commands with it. */
  readonly signingSecretName: string;
  readonly reportGroup: codebuild.IReportGroup;
}

/**
 * The browser the check's page test drives. The pipeline's codeBuildDefaults use CodeBuild's
 * standard:7.0 image, which ships Google Chrome (stable) as `google-chrome` and a Chromium snapshot
 * build as /usr/local/bin/chromium, but no /usr/bin/chromium: the released Chrome is the one to test.
 */
const CHECK_BROWSER = 'google-chrome';

/**
 * Post-deploy integration step for one region (P6): runs the end-to-end suite (integ/) against the
 * region just deployed, browser test included. It runs in the pipeline's region, so `AWS_REGION`
 * points the suite's AWS clients at the region it checks. E2E_PRODUCTION makes the suite prove each
 * path without disturbing production (integ/target.ts). Its role may do exactly what the suite does there.
 */
export class RegionCheckStep extends CodeBuildStep {
  constructor(id: string, props: RegionCheckStepProps) {
    super(id, {
      input: props.input,
      installCommands: ['npm ci'],
      commands: ['npm run e2e:region'],
      envFromCfnOutputs: {
        API_URL: props.stage.apiUrl,
        SITE_URL: props.stage.siteUrl,
      },
      env: { AWS_REGION: props.names.region, EXPECTED_REGION: props.names.region, E2E_PRODUCTION: 'true', CHROME_PATH: CHECK_BROWSER },
      partialBuildSpec: partialBuildSpec(props.reportGroup),
      rolePolicyStatements: [reportPublishingStatement(props.reportGroup), ...journeyPermissions(props)],
    });
  }
}

/**
 * What the end-to-end suite does in the region under test in production mode, and nothing more
 * (test/pipeline/journey-permissions.test.ts derives the suite's SDK commands from its source and checks
 * each is granted here).
 */
export function journeyPermissions({ names, account, partition, signingSecretName }: Pick<RegionCheckStepProps, 'names' | 'account' | 'partition' | 'signingSecretName'>): iam.PolicyStatement[] {
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${names.region}:${account}:${resource}`;
  return [
    ...slackCommandPermissions({ names, account, partition, signingSecretName }),
    new iam.PolicyStatement({
      actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminDeleteUser'],
      resources: [arn('cognito-idp', 'userpool/*')],
    }),
    new iam.PolicyStatement({
      // Query: counters, login records, delivery records; GetItem: is a click marked counted.
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resources: [arn('dynamodb', `table/${tableName(names)}`)],
    }),
    new iam.PolicyStatement({
      actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
      resources: [arn('sqs', queueNames(names).clickDlq)],
    }),
    new iam.PolicyStatement({
      // Only the alarm that exists for the check: the real alarms are never set by a release.
      actions: ['cloudwatch:SetAlarmState'],
      resources: [arn('cloudwatch', `alarm:${alarmNames(names).alarmPathCheck}`)],
    }),
    new iam.PolicyStatement({
      // The ingest check's file, under its own prefix only: never where real files are dropped.
      actions: ['s3:PutObject'],
      resources: [`arn:${partition}:s3:::${bucketName(names, account, 'ingest')}/${RELEASE_CHECK_PREFIX}*`],
    }),
    new iam.PolicyStatement({
      // Whether the table's changes reached the analytics bucket (region A only has one).
      actions: ['s3:ListBucket'],
      resources: [`arn:${partition}:s3:::${bucketName(names, account, 'analytics')}`],
    }),
    new iam.PolicyStatement({
      // GetStage on the user API's `$default` stage, to compare its throttles with lib/limits.ts.
      // The API id is generated when the region's Api stack deploys, after this role exists.
      actions: ['apigateway:GET'],
      resources: [`arn:${partition}:apigateway:${names.region}::/apis/*/stages/$default`],
    }),
  ];
}

/**
 * Reading the region's published names (the Slack API URL among them) and the Slack signing
 * secret, to send signed slash commands as Slack does: what the check and the failover drill share.
 */
export function slackCommandPermissions({ names, account, partition, signingSecretName }: Pick<RegionCheckStepProps, 'names' | 'account' | 'partition' | 'signingSecretName'>): iam.PolicyStatement[] {
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${names.region}:${account}:${resource}`;
  return [
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [parameterArn({ partition, region: names.region, account }, `${parameterPrefix(names)}*`)],
    }),
    new iam.PolicyStatement({
      // Secrets Manager appends a random 6-character suffix to the secret's ARN.
      actions: ['secretsmanager:GetSecretValue'],
      resources: [arn('secretsmanager', `secret:${signingSecretName}-??????`)],
    }),
  ];
}
