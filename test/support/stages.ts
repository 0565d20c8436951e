import { App, Stack, type StackProps } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { readCdkJsonContext, type AppConfig } from '../../lib/config';
import { MANAGED_RULE_GROUPS } from '../../lib/web-acl';
import type { RegionalAppStage } from '../../stages/regional-app-stage';
import { deployableConfig } from './config';

/** Region A (the primary: it owns the table, analytics and the site's own name) and region B. */
export const [REGION_A, REGION_B] = ['us-east-1', 'us-west-2'];

/** Regions A and B, and a third: "every other region" is then more than one. */
const APP_REGIONS = [REGION_A, REGION_B, 'eu-west-1'];

/** A deployable config in three app regions, without a custom domain or WAF (as shipped). */
export const threeRegionConfig: AppConfig = deployableConfig({ appRegions: APP_REGIONS });

/** The custom domain of `customDomainAndWafConfig` (A15). */
export const DOMAIN = { zoneName: 'example.com', hostedZoneId: 'Z0123456789ABC', apiDomainName: 'api.example.com', siteDomainName: 'www.example.com' };

/** `threeRegionConfig` with a custom domain and WAF (a rate limit of 500 per five minutes). */
export const customDomainAndWafConfig: AppConfig = deployableConfig({ appRegions: APP_REGIONS, customDomain: DOMAIN, waf: { enabled: true, rateLimitPerFiveMinutes: 500 } });

/** The rules of every web ACL `customDomainAndWafConfig` makes (A22): the managed rule groups, then the rate limit. */
export const webAclRules = Match.arrayWith([
  ...MANAGED_RULE_GROUPS.map((name) => Match.objectLike({ Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: name } }, OverrideAction: { None: {} } })),
  Match.objectLike({ Action: { Block: {} }, Statement: { RateBasedStatement: Match.objectLike({ Limit: 500, AggregateKeyType: 'IP' }) } }),
]);

/** Every statement of every IAM policy in a template. */
export function policyStatements(template: Template): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Every stack RegionalAppStage may add: its id, and the module and class that make it. */
const STAGE_STACKS = {
  Analytics: ['../../stages/analytics-stack', 'AnalyticsStack'],
  Api: ['../../stages/api-stack', 'ApiStack'],
  Data: ['../../stages/data-stack', 'DataStack'],
  Edge: ['../../stages/edge-stack', 'EdgeStack'],
  Events: ['../../stages/events-stack', 'EventsStack'],
  Identity: ['../../stages/identity-stack', 'IdentityStack'],
  Monitoring: ['../../stages/monitoring-stack', 'MonitoringStack'],
  Site: ['../../stages/site-stack', 'SiteStack'],
  SiteContent: ['../../stages/site-content-stack', 'SiteContentStack'],
  Slack: ['../../stages/slack-stack', 'SlackStack'],
} as const;

export type StageStackId = keyof typeof STAGE_STACKS;

/** What stands in for a stack a test file is not about: no resources, the same id, env and description. */
class StandIn extends Stack {
  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { env: props.env, description: props.description });
  }
}

/**
 * A stack module with StandIn for its stack class. Its other exports are the real ones, loaded only
 * when one is read: loading every stack's module (and the aws-cdk-lib modules it imports) would cost
 * most of what the stand-ins save.
 */
function standInModule(modulePath: string, className: string): Record<string, unknown> {
  let actual: Record<string, unknown> | undefined;
  return new Proxy({}, { get: (_, name) => (name === className ? StandIn : (actual ??= jest.requireActual(modulePath))[name as string]) });
}

let building: string | undefined;

/**
 * RegionalAppStages for a test file about the `real` stacks only. The stage's own code runs (which
 * stacks, their props from the config, regions, dependencies, tags, aspects), but every other stack
 * it adds is a StandIn; only the class is replaced, its module's other exports (such as api-stack's
 * ACCESS_LOG_FORMAT, which SlackStack uses) stay real (standInModule). The stacks share nothing but SSM parameter
 * names (never an object or an export), so a stack's template does not depend on what its siblings
 * contain, and not building them saves seconds per test file. Tests about the stage as a whole, or
 * about every stack, build the real stage.
 *
 * The stand-ins are module mocks: call this once per test file, in beforeAll, and import the stage
 * module (directly or through another module, as ./synth.ts does) only as a type; a stage that still
 * builds a stack for real throws. Returns: the stages of a config's app regions (all of them, in
 * order, unless `regions` names some), in one app, as the pipeline adds them. A stage's stacks do not
 * depend on which other stages the app has, only on the config (which names every app region).
 */
export function stagesBuilding(...real: StageStackId[]): (config: AppConfig, regions?: readonly string[]) => RegionalAppStage[] {
  const key = [...real].sort().join(',');
  if (building !== undefined && building !== key) throw new Error(`stagesBuilding(${key}) after stagesBuilding(${building}) in one test file`);
  building = key;
  for (const [id, [modulePath, className]] of Object.entries(STAGE_STACKS)) {
    if (!real.includes(id as StageStackId)) jest.doMock(modulePath, () => standInModule(modulePath, className));
  }
  const { RegionalAppStage: Stage } = jest.requireActual<typeof import('../../stages/regional-app-stage')>('../../stages/regional-app-stage');
  return (config, regions = config.appRegions) => {
    // As projectApp() (./synth.ts) makes it; that module loads the pipeline, and with it the real stacks.
    const app = new App({ context: readCdkJsonContext() });
    const stages = regions.map((region) => new Stage(app, `RegionalApp-${region}`, { config, region }));
    const builtForReal = stages.flatMap((stage) => stage.node.children)
      .filter((child) => child instanceof Stack && !(child instanceof StandIn) && !real.includes(child.node.id as StageStackId));
    if (builtForReal.length > 0) throw new Error(`stagesBuilding(${key}) also built ${builtForReal.map((child) => child.node.path).join(', ')}: was the stage module loaded before it?`);
    return stages;
  };
}

/** A stage's stack by id, if the stage added it. */
export function stackOf(stage: RegionalAppStage, id: string): Stack | undefined {
  return stage.node.tryFindChild(id) as Stack | undefined;
}

/** The template of a stage's stack (the stage synthesizes on the first call, once). */
export function templateOf(stage: RegionalAppStage, id: string): Template {
  const stack = stackOf(stage, id);
  if (!stack) throw new Error(`${stage.node.id} has no ${id} stack`);
  return Template.fromStack(stack);
}
