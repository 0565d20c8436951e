import { Stack, type StackProps } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CodePipeline, CodePipelineSource, ManualApprovalStep, type Step } from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RegionalAppStage } from '../stages/regional-app-stage';
import type { AppConfig } from '../lib/config';
import { APP_WAVE_NAME, appStageId, pipelineName } from '../lib/names';
import { FailoverDrillStep } from './failover-drill-step';
import { RegionCheckStep } from './region-check-step';
import { SynthStep } from './synth-step';

export interface PipelineStackProps extends StackProps {
  readonly config: AppConfig;
}

/**
 * The self-mutating delivery pipeline (P1–P8). Read it top to bottom as the rollout it performs:
 * source → synth → self-mutate → assets → RegionalApp: region A, its check, approval, region B, its check.
 */
export class PipelineStack extends Stack {
  readonly pipeline: CodePipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config } = props;

    const source = CodePipelineSource.connection(config.repository, config.branch, {
      connectionArn: config.connectionArn,
      // The V2 trigger below starts the pipeline on a push to the branch.
      triggerOnPush: false,
    });
    const reports = new PipelineReports(this, 'Reports', { pipelineName: pipelineName(config) });

    this.pipeline = new CodePipeline(this, 'Pipeline', {
      pipelineName: pipelineName(config),
      pipelineType: codepipeline.PipelineType.V2,
      synth: new SynthStep({ input: source, reportGroup: reports.synth }),
      selfMutation: true,
      // One CodeBuild job per asset type (P4): parallel publishing costs more and hits queue limits.
      publishAssetsInParallel: false,
      // One Deploy action per stack instead of prepare + execute: half the tranches per region (P5).
      useChangeSets: false,
      crossAccountKeys: false,
      // Self-mutation and asset publishing use the CLI version the project is tested with.
      cliVersion: cdkCliVersion(),
      codeBuildDefaults: { buildEnvironment: { buildImage: codebuild.LinuxBuildImage.STANDARD_7_0 } },
    });

    const stepProps = (region: string, stage: RegionalAppStage, kind: 'check' | 'drill') => ({
      input: source,
      stage,
      names: { project: config.project, stageName: config.stageName, region },
      account: config.account,
      partition: this.partition,
      signingSecretName: config.slack.signingSecretName,
      reportGroup: reports.forStep(kind, region),
    });
    // After a region deploys: its check, then (config.failoverDrill) the drill; the last one gates what follows.
    const postSteps = (region: string, stage: RegionalAppStage): Step[] => {
      const check = new RegionCheckStep(`Check-${region}`, stepProps(region, stage, 'check'));
      if (!config.failoverDrill) return [check];
      const drill = new FailoverDrillStep(`FailoverDrill-${region}`, stepProps(region, stage, 'drill'));
      drill.addStepDependency(check);
      return [check, drill];
    };
    const stageOf = (region: string) => new RegionalAppStage(this, appStageId(region), { config, region });
    const approval = new ManualApprovalStep(`Approve-${config.appRegions[1]}`, {
      comment: `Region ${config.appRegions[0]} is deployed. Approve to deploy ${config.appRegions.slice(1).join(', ')}.`,
    });

    const [regionA, ...laterRegions] = config.appRegions;
    if (config.rollout === 'wave') {
      // One CodePipeline stage that rolls back as a whole. Its actions run in lock-step tranches,
      // so an approval in B's `pre` would hold back A's later stacks too (aws-cdk#31023) and the
      // approver would approve a half-deployed region A. So the approval waits for A's check:
      // A's stacks → A.Check → Approval → B's stacks → B.Check (README, "Waves and tranches").
      const wave = this.pipeline.addWave(APP_WAVE_NAME);
      const stageA = stageOf(regionA);
      const postA = postSteps(regionA, stageA);
      approval.addStepDependency(postA[postA.length - 1]);
      wave.addStage(stageA, { post: postA });
      for (const region of laterRegions) {
        const stage = stageOf(region);
        wave.addStage(stage, { pre: [approval], post: postSteps(region, stage) });
      }
    } else {
      // Strict rings: region A deploys and passes its checks before anyone is asked to approve.
      const stageA = stageOf(regionA);
      this.pipeline.addStage(stageA, { post: postSteps(regionA, stageA) });
      laterRegions.forEach((region, index) => {
        const stage = stageOf(region);
        this.pipeline.addStage(stage, { pre: index === 0 ? [approval] : [], post: postSteps(region, stage) });
      });
    }

    this.pipeline.buildPipeline();
    const built = this.pipeline.pipeline;
    built.addTrigger({
      providerType: codepipeline.ProviderType.CODE_STAR_SOURCE_CONNECTION,
      gitConfiguration: {
        sourceAction: built.stages[0].actions[0],
        pushFilter: [{ branchesIncludes: [config.branch] }],
      },
    });
    allowCodeConnectionsPrefix(built, config.connectionArn);
    rollBackOnFailure(built, config.rollout === 'wave' ? [APP_WAVE_NAME] : config.appRegions.map(appStageId));
    this.notifyToSlack(built, config);
  }

  /** P8: execution started/failed/succeeded and approval needed reach Slack through AWS Chatbot. */
  private notifyToSlack(pipeline: codepipeline.Pipeline, config: AppConfig): void {
    const channel = new chatbot.SlackChannelConfiguration(this, 'PipelineSlackChannel', {
      slackChannelConfigurationName: `${pipelineName(config)}-slack`,
      slackWorkspaceId: config.slack.workspaceId,
      slackChannelId: config.slack.channelId,
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
    pipeline.notifyOn('PipelineEventsToSlack', channel, {
      events: [
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_STARTED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        codepipeline.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        codepipeline.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
      ],
    });
  }
}

function cdkCliVersion(): string {
  const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '..', 'package.json'), 'utf8'));
  return manifest.devDependencies['aws-cdk'];
}

/**
 * CodePipelineSource.connection grants the source action's role `codestar-connections:UseConnection`
 * only. Connections created since the CodeConnections rename (`aws codeconnections
 * create-connection`, and the console since July 2024) have `arn:…:codeconnections:…` ARNs, and IAM
 * needs the action's service prefix to match the resource's: grant `codeconnections:UseConnection`
 * on the same connection too, so either kind of ARN works.
 */
function allowCodeConnectionsPrefix(pipeline: codepipeline.Pipeline, connectionArn: string): void {
  const [sourceStage] = pipeline.stages;
  const [sourceAction] = sourceStage.actions;
  // The pipeline creates the action's role as <stage>/<action>/CodePipelineActionRole.
  const role = pipeline.node.tryFindChild(sourceStage.stageName)?.node
    .tryFindChild(sourceAction.actionProperties.actionName)?.node
    .tryFindChild('CodePipelineActionRole');
  if (!(role instanceof iam.Role)) {
    throw new Error(`Cannot find the role of source action ${sourceStage.stageName}/${sourceAction.actionProperties.actionName} to grant codeconnections:UseConnection (has aws-cdk-lib changed where it creates action roles?)`);
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['codeconnections:UseConnection'], resources: [connectionArn] }));
}

/**
 * P7: a failed app stage rolls back to the last successful execution by itself. The pipelines
 * module does not expose `onFailure`, so it is set on the rendered stage.
 */
function rollBackOnFailure(pipeline: codepipeline.Pipeline, stageNames: readonly string[]): void {
  const cfn = pipeline.node.defaultChild as codepipeline.CfnPipeline;
  for (const name of stageNames) {
    const index = pipeline.stages.findIndex((stage) => stage.stageName === name);
    if (index < 0) throw new Error(`Pipeline has no stage named ${name}; cannot set its rollback on failure.`);
    cfn.addPropertyOverride(`Stages.${index}.OnFailure`, { Result: 'ROLLBACK' });
  }
}

interface PipelineReportsProps {
  readonly pipelineName: string;
}

/** One CodeBuild report group per step, so each step's JUnit results are listed under its name. */
class PipelineReports extends Construct {
  readonly synth: codebuild.ReportGroup;
  private readonly props: PipelineReportsProps;

  constructor(scope: Construct, id: string, props: PipelineReportsProps) {
    super(scope, id);
    this.props = props;
    this.synth = this.group('Synth', 'synth');
  }

  /** The report group of a region's check or failover drill. */
  forStep(kind: 'check' | 'drill', region: string): codebuild.ReportGroup {
    const id = `${kind === 'check' ? 'Check' : 'FailoverDrill'}-${region}`;
    return (this.node.tryFindChild(id) as codebuild.ReportGroup | undefined) ?? this.group(id, `${kind}-${region}`);
  }

  private group(id: string, suffix: string): codebuild.ReportGroup {
    return new codebuild.ReportGroup(this, id, { reportGroupName: `${this.props.pipelineName}-${suffix}` });
  }
}
