import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, type IFileSetProducer } from 'aws-cdk-lib/pipelines';
import type { RegionalAppStage } from '../../stages/regional-app-stage';
import { alarmNames, globalName, queueNames, type NameScope } from '../names';
import { partialBuildSpec, reportPublishingStatement } from './build-spec';

export interface RegionCheckStepProps {
  /** The source checkout: the step runs the project's own end-to-end suite. */
  readonly input: IFileSetProducer;
  /** The deployed region under test. */
  readonly stage: RegionalAppStage;
  readonly names: NameScope;
  readonly account: string;
  readonly partition: string;
  readonly reportGroup: codebuild.IReportGroup;
}

/**
 * Post-deploy integration step for one region (P6): runs the end-to-end suite (integ/) against the
 * region just deployed. It runs in the pipeline's region, so `AWS_REGION` points the suite's AWS
 * clients at the region it checks. Its role may do exactly what the suite does there.
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
      // The deployed app may have real users clicking while the suite counts its own clicks.
      env: { AWS_REGION: props.names.region, EXPECTED_REGION: props.names.region, E2E_SHARED_TRAFFIC: 'true' },
      partialBuildSpec: partialBuildSpec(props.reportGroup),
      rolePolicyStatements: [reportPublishingStatement(props.reportGroup), ...journeyPermissions(props)],
    });
  }
}

/** What integ/user-journey.e2e.ts does in the region under test, and nothing more. */
export function journeyPermissions({ names, account, partition }: Pick<RegionCheckStepProps, 'names' | 'account' | 'partition'>): iam.PolicyStatement[] {
  const arn = (service: string, resource: string) => `arn:${partition}:${service}:${names.region}:${account}:${resource}`;
  return [
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [arn('ssm', `parameter/${names.project}/${names.stageName}/*`)],
    }),
    new iam.PolicyStatement({
      actions: ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminDeleteUser'],
      resources: [arn('cognito-idp', 'userpool/*')],
    }),
    new iam.PolicyStatement({
      actions: ['dynamodb:Query'],
      resources: [arn('dynamodb', `table/${globalName(names, 'data')}`)],
    }),
    new iam.PolicyStatement({
      actions: ['sqs:GetQueueUrl', 'sqs:SendMessage'],
      resources: [arn('sqs', queueNames(names).clickDlq)],
    }),
    new iam.PolicyStatement({
      actions: ['cloudwatch:SetAlarmState'],
      resources: [arn('cloudwatch', `alarm:${alarmNames(names).failedLogins}`)],
    }),
  ];
}
