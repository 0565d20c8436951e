import { Aspects, CfnOutput, Stage, Tags, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AppConfig } from '../lib/config';
import { ExplicitIamActions } from '../lib/explicit-iam-actions';
import { standardTags, type NameScope } from '../lib/names';
import { ApiStack } from './api-stack';
import { SiteStack } from './site-stack';

export interface RegionalAppStageProps extends StageProps {
  readonly config: AppConfig;
  /** The AWS region this copy of the app runs in. */
  readonly region: string;
}

/**
 * One region's copy of RegionalApp: the unit the pipeline's wave deploys per region. Its stacks
 * share names only through SSM parameters (lib/names.ts), never CloudFormation exports.
 */
export class RegionalAppStage extends Stage {
  /** Outputs the post-deploy step reads through `envFromCfnOutputs` (P6). */
  readonly apiUrl: CfnOutput;
  readonly siteUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: RegionalAppStageProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.region } });
    const names: NameScope = { project: props.config.project, stageName: props.config.stageName, region: props.region };

    const site = new SiteStack(this, 'Site', { names, description: `RegionalApp static site (${props.region})` });
    const api = new ApiStack(this, 'Api', { names, description: `RegionalApp user API (${props.region})` });

    for (const [key, value] of Object.entries(standardTags(names))) Tags.of(this).add(key, value);
    // Here, not on the app: CDK Pipelines synthesizes each stage while the pipeline is built,
    // before app-level aspects run, and aspects do not cross into nested stages.
    Aspects.of(this).add(new ExplicitIamActions());
    this.apiUrl = api.apiUrl;
    this.siteUrl = site.siteUrl;
  }
}
