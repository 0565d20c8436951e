import { Aspects, CfnOutput, Stage, Tags, type Environment, type Stack, type StageProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { AppConfig } from '../lib/config';
import { ExplicitIamActions } from '../lib/explicit-iam-actions';
import { EDGE_REGION, standardTags, type NameScope } from '../lib/names';
import { AnalyticsStack } from './analytics-stack';
import { ApiStack } from './api-stack';
import { DataStack } from './data-stack';
import { EdgeStack } from './edge-stack';
import { EventsStack } from './events-stack';
import { IdentityStack } from './identity-stack';
import { MonitoringStack } from './monitoring-stack';
import { SiteContentStack } from './site-content-stack';
import { SiteStack } from './site-stack';
import { SlackStack } from './slack-stack';

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

/** One region's copy of RegionalApp: the unit the pipeline's wave deploys per region. */
export class RegionalAppStage extends Stage {
  /** Outputs the post-deploy step reads through `envFromCfnOutputs` (P6). */
  readonly apiUrl: CfnOutput;
  readonly siteUrl: CfnOutput;
  /** The Slack command API's base URL (A5). */
  readonly slackApiUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: RegionalAppStageProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: props.region } });
    const { api, site, slack } = addRegionalAppStacks(this, props);
    // Here, not on the app: CDK Pipelines synthesizes each stage while the pipeline is built,
    // before app-level aspects run, and aspects do not cross into nested stages.
    Aspects.of(this).add(new ExplicitIamActions());
    this.apiUrl = api.apiUrl;
    this.siteUrl = site.siteUrl;
    this.slackApiUrl = slack.slackApiUrl;
  }
}

export interface RegionalAppStacksProps {
  readonly config: AppConfig;
  readonly region: string;
  /** See RegionalAppStageProps.standalone. */
  readonly standalone?: boolean;
  /** Prefixes every stack id: stacks added straight to an app (integ tests) need unique names. */
  readonly idPrefix?: string;
  /** Set when the scope is not a Stage that already sets it. */
  readonly env?: Environment;
}

/**
 * RegionalApp's stacks for one region, split by concern, in `scope` (the Stage, or an integ test's
 * app). They share names only through SSM parameters (lib/names.ts, lib/parameters.ts), never
 * CloudFormation exports; `addDependency` only orders their deployment.
 */
export function addRegionalAppStacks(scope: Construct, props: RegionalAppStacksProps): { api: ApiStack; site: SiteStack; slack: SlackStack } {
  const { config, region, env } = props;
  const names: NameScope = { project: config.project, stageName: config.stageName, region };
  const isPrimary = props.standalone || region === config.appRegions[0];
  const id = (name: string) => `${props.idPrefix ?? ''}${name}`;
  const common = (what: string) => ({ names, env, description: `RegionalApp ${what} (${region})` });

  // The site's own name goes on region A's distribution (a name can be on one distribution only);
  // CloudFront takes its certificate and web ACL from us-east-1, so an Edge stack there makes them.
  // A standalone (development) copy gets none of it: its records and API domain would be the pipeline's.
  const customDomain = props.standalone ? undefined : config.customDomain;
  const siteDomainName = isPrimary ? customDomain?.siteDomainName : undefined;
  const siteDomain = customDomain && siteDomainName ? { domain: customDomain, siteDomainName } : undefined;
  const edge = siteDomain || config.waf.enabled
    ? new EdgeStack(scope, id('Edge'), {
      names,
      env: { account: env?.account ?? config.account, region: EDGE_REGION },
      description: `RegionalApp CloudFront certificate and web ACL for ${region} (in ${EDGE_REGION})`,
      siteDomain,
      waf: config.waf,
    })
    : undefined;
  const site = new SiteStack(scope, id('Site'), { ...common('static site hosting'), siteDomain, webAcl: config.waf.enabled });
  const data = new DataStack(scope, id('Data'), {
    ...common('data'),
    replicaRegions: isPrimary ? (props.standalone ? [] : config.appRegions.filter((r) => r !== region)) : undefined,
  });
  const identity = new IdentityStack(scope, id('Identity'), { ...common('identity'), waf: config.waf });
  const events = new EventsStack(scope, id('Events'), common('click counting and batch ingest'));
  const api = new ApiStack(scope, id('Api'), { ...common('user API'), randomFailureRate: config.randomFailureRate, customDomain,
    appRegions: props.standalone ? [region] : config.appRegions });
  const content = new SiteContentStack(scope, id('SiteContent'), common('static site content'));
  const monitoring = new MonitoringStack(scope, id('Monitoring'), {
    ...common('monitoring and Slack notifier'),
    alarms: config.alarms,
    webhookSecretName: config.slack.webhookSecretName,
  });

  if (edge) after(site, edge);
  after(events, data);
  after(api, site, data, identity, events);
  after(content, site, api);
  after(monitoring, data, api);
  const slack = new SlackStack(scope, id('Slack'), {
    ...common('Slack commands and forced failure'),
    appRegions: config.appRegions,
    signingSecretName: config.slack.signingSecretName,
  });
  after(slack, data, api);
  if (isPrimary) after(new AnalyticsStack(scope, id('Analytics'), common('analytics')), data);

  for (const [key, value] of Object.entries(standardTags(names))) Tags.of(scope).add(key, value);
  return { api, site, slack };
}

/** `stack` deploys after `dependencies` (it reads their SSM parameters). */
function after(stack: Stack, ...dependencies: Stack[]): void {
  for (const dependency of dependencies) stack.addDependency(dependency);
}
