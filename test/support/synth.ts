import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { readCdkJsonContext, type AppConfig } from '../../lib/config';
import { PipelineStack } from '../../pipeline/pipeline-stack';

interface RenderedAction {
  readonly name: string;
  readonly runOrder: number;
  readonly provider: string;
  readonly region?: string;
}

export interface RenderedStage {
  readonly name: string;
  readonly onFailure?: unknown;
  readonly actions: RenderedAction[];
}

/** An App with cdk.json's context (feature flags included), as `cdk synth` creates it. */
export function projectApp(): App {
  return new App({ context: readCdkJsonContext() });
}

/** Synthesizes the pipeline stack for a config and returns its template. */
export function synthPipeline(config: AppConfig): { app: App; stack: PipelineStack; template: Template } {
  const app = projectApp();
  const stack = new PipelineStack(app, 'RegionalAppPipeline', { config, env: { account: config.account, region: config.pipelineRegion } });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The one AWS::CodePipeline::Pipeline resource of a template. */
export function pipelineResource(template: Template): Record<string, any> {
  const pipelines = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  expect(pipelines).toHaveLength(1);
  return pipelines[0];
}

/** The pipeline's stages and actions as CodePipeline will run them. */
export function renderedStages(template: Template): RenderedStage[] {
  return (pipelineResource(template).Properties.Stages as Record<string, any>[]).map((stage) => ({
    name: stage.Name,
    onFailure: stage.OnFailure,
    actions: (stage.Actions as Record<string, any>[]).map((action) => ({
      name: action.Name,
      runOrder: action.RunOrder,
      provider: action.ActionTypeId.Provider,
      ...(action.Region ? { region: action.Region } : {}),
    })),
  }));
}

/**
 * A CodeBuild project's inline buildspec, with CloudFormation references shown as `<ref>`
 * (`{ file }` for a project that reads its buildspec from a file in the assembly).
 */
export function buildSpecOf(project: Record<string, any>): Record<string, any> {
  const spec = project.Properties.Source.BuildSpec as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof spec === 'string') return spec.trim().startsWith('{') ? JSON.parse(spec) : { file: spec };
  const [separator, parts] = spec['Fn::Join'];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join(separator));
}

/** The CodeBuild projects whose build commands include `command`. */
export function projectsRunning(template: Template, command: string): Record<string, any>[] {
  return Object.values(template.findResources('AWS::CodeBuild::Project'))
    .filter((project) => JSON.stringify(buildSpecOf(project).phases ?? {}).includes(command));
}
