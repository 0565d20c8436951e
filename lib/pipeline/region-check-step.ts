import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodeBuildStep, type IFileSetProducer } from 'aws-cdk-lib/pipelines';
import type { RegionalAppStage } from '../../stages/regional-app-stage';
import { partialBuildSpec, reportPublishingStatement } from './build-spec';

export interface RegionCheckStepProps {
  /** The source checkout: the step runs the project's own end-to-end suite. */
  readonly input: IFileSetProducer;
  /** The deployed region under test. */
  readonly stage: RegionalAppStage;
  readonly region: string;
  readonly reportGroup: codebuild.IReportGroup;
  /** What the suite needs in AWS beyond HTTP calls to the region's APIs. */
  readonly extraPolicyStatements?: iam.PolicyStatement[];
}

/**
 * Post-deploy integration step for one region (P6). It runs in the pipeline's region, so
 * `AWS_REGION` points the suite's AWS clients at the region it checks.
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
      env: { AWS_REGION: props.region, EXPECTED_REGION: props.region },
      partialBuildSpec: partialBuildSpec(props.reportGroup),
      rolePolicyStatements: [reportPublishingStatement(props.reportGroup), ...(props.extraPolicyStatements ?? [])],
    });
  }
}
