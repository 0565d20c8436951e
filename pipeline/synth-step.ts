import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import { CodeBuildStep, type IFileSetProducer } from 'aws-cdk-lib/pipelines';
import { partialBuildSpec, reportPublishingStatement } from './build-spec';

export interface SynthStepProps {
  /** The source checkout. */
  readonly input: IFileSetProducer;
  /** Where the unit tests' JUnit results are published. */
  readonly reportGroup: codebuild.IReportGroup;
}

/**
 * The pipeline's one build step (P2): install, refuse placeholder config, typecheck + lint, unit
 * tests (JUnit report), then `cdk synth`, whose cloud assembly the rest of the pipeline deploys.
 */
export class SynthStep extends CodeBuildStep {
  constructor(props: SynthStepProps) {
    super('Synth', {
      input: props.input,
      installCommands: ['npm ci'],
      commands: [
        'npm run config:check -- --deployable',
        'npm run lint',
        'npm run test:unit',
        'npx cdk synth',
      ],
      primaryOutputDirectory: 'cdk.out',
      partialBuildSpec: partialBuildSpec(props.reportGroup),
      rolePolicyStatements: [reportPublishingStatement(props.reportGroup)],
    });
  }
}
