import { Aspects, CfnOutput, Stage, Tags, type Stack, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AppConfig } from '../lib/config';
import { ExplicitIamActions } from '../lib/explicit-iam-actions';
import { standardTags, type NameScope } from '../lib/names';
import { AnalyticsStack } from './analytics-stack';
import { ApiStack } from './api-stack';
import { DataStack } from './data-stack';
import { EventsStack } from './events-stack';
import { IdentityStack } from './identity-stack';
import { MonitoringStack } from './monitoring-stack';
import { SiteContentStack } from './site-content-stack';
import { SiteStack } from './site-stack';

export interface RegionalAppStageProps extends StageProps {
  readonly config: AppConfig;
  /** The AWS region this copy of the app runs in. */
  readonly region: string;
  /**
   * A development copy on its own (`npm run deploy:region`): this region owns a table with no
   * replicas, whichever region it is.
   */
  readonly standalone?: boolean;
}

/**
 * One region's copy of RegionalApp: the unit the pipeline's wave deploys per region. Its stacks,
 * split by concern, share names only through SSM parameters (lib/names.ts, lib/parameters.ts),
 * never CloudFormation exports; `addDependency` only orders their deployment.
 */
export class RegionalAppStage extends Stage {
  /** Outputs the post-deploy step reads through `envFromCfnOutputs` (P6). */
  readonly apiUrl: CfnOutput;
  readonly siteUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: RegionalAppStageProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.region } });
    const { config, region } = props;
    const names: NameScope = { project: config.project, stageName: config.stageName, region };
    const isPrimary = props.standalone || region === config.appRegions[0];
    const describe = (what: string) => `RegionalApp ${what} (${region})`;

    const site = new SiteStack(this, 'Site', { names, description: describe('static site hosting') });
    const data = new DataStack(this, 'Data', {
      names,
      description: describe('data'),
      replicaRegions: isPrimary ? (props.standalone ? [] : config.appRegions.filter((r) => r !== region)) : undefined,
    });
    const identity = new IdentityStack(this, 'Identity', { names, description: describe('identity') });
    const events = new EventsStack(this, 'Events', { names, description: describe('click counting and batch ingest') });
    const api = new ApiStack(this, 'Api', { names, description: describe('user API'), randomFailureRate: config.randomFailureRate });
    const content = new SiteContentStack(this, 'SiteContent', { names, description: describe('static site content') });
    const monitoring = new MonitoringStack(this, 'Monitoring', {
      names,
      description: describe('monitoring and Slack notifier'),
      alarms: config.alarms,
      webhookSecretName: config.slack.webhookSecretName,
    });

    after(events, data);
    after(api, site, data, identity, events);
    after(content, site, api);
    after(monitoring, data, api);
    if (isPrimary) after(new AnalyticsStack(this, 'Analytics', { names, description: describe('analytics') }), data);

    for (const [key, value] of Object.entries(standardTags(names))) Tags.of(this).add(key, value);
    // Here, not on the app: CDK Pipelines synthesizes each stage while the pipeline is built,
    // before app-level aspects run, and aspects do not cross into nested stages.
    Aspects.of(this).add(new ExplicitIamActions());
    this.apiUrl = api.apiUrl;
    this.siteUrl = site.siteUrl;
  }
}

/** `stack` deploys after `dependencies` (it reads their SSM parameters). */
function after(stack: Stack, ...dependencies: Stack[]): void {
  for (const dependency of dependencies) stack.addDependency(dependency);
}
