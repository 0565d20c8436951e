import { CodeBuildStep } from 'aws-cdk-lib/pipelines';
import { partialBuildSpec, reportPublishingStatement } from './build-spec';
import { slackCommandPermissions, type RegionCheckStepProps } from './region-check-step';

/**
 * The optional failover drill (P11, cdk.json `failoverDrill`): after the region's check, fails the
 * region on purpose through its signed Slack command, checks that another region serves, and
 * recovers it (integ/failover.drill.ts). Its role may only read the region's names and the Slack
 * signing secret: everything else it does is HTTP, as Slack and users do.
 */
export class FailoverDrillStep extends CodeBuildStep {
  constructor(id: string, props: RegionCheckStepProps) {
    super(id, {
      input: props.input,
      installCommands: ['npm ci'],
      commands: ['npm run e2e:drill'],
      envFromCfnOutputs: { API_URL: props.stage.apiUrl },
      env: { AWS_REGION: props.names.region, EXPECTED_REGION: props.names.region, E2E_PRODUCTION: 'true' },
      partialBuildSpec: partialBuildSpec(props.reportGroup),
      rolePolicyStatements: [reportPublishingStatement(props.reportGroup), ...slackCommandPermissions(props)],
    });
  }
}
