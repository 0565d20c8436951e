/**
 * Every name the app shares between stacks, handlers, the local environment and tests is defined
 * here once (A20): resource names, SSM parameter paths, routes and tags.
 */

export interface NameScope {
  readonly project: string;
  readonly stageName: string;
  readonly region: string;
}

/** `<project>-<stage>-<what>-<region>`: readable in the console and unique per region. */
export function resourceName(scope: NameScope, what: string): string {
  return `${scope.project}-${scope.stageName}-${what}-${scope.region}`;
}

/** SSM parameter paths (A2–A15): stacks publish and read each other's names only through these. */
export function parameterPath(scope: Omit<NameScope, 'region'>, key: ParameterKey): string {
  return `/${scope.project}/${scope.stageName}/${key}`;
}

export const PARAMETER_KEYS = {
  apiUrl: 'api/url',
  siteBucketName: 'site/bucket-name',
  siteUrl: 'site/url',
  forcedFailure: 'health/forced-failure',
} as const;
export type ParameterKey = (typeof PARAMETER_KEYS)[keyof typeof PARAMETER_KEYS];

/** Routes of the user API (A4). */
export const ROUTES = {
  health: '/health',
  hello: '/hello',
} as const;

/** Tags every resource carries (A20). */
export function standardTags(scope: NameScope): Record<string, string> {
  return { project: scope.project, stage: scope.stageName, region: scope.region };
}

/** The CodePipeline's name; `npm run pipeline` uses it by default. */
export function pipelineName(scope: Omit<NameScope, 'region'>): string {
  return `${scope.project}-${scope.stageName}-pipeline`;
}

/** The CodePipeline stage (wave) that deploys RegionalApp to every region in `wave` rollout. */
export const APP_WAVE_NAME = 'RegionalApp';

/** The id of one region's RegionalApp Stage, e.g. `RegionalApp-us-west-2`. */
export function appStageId(region: string): string {
  return `${APP_WAVE_NAME}-${region}`;
}
