import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

export interface NagFinding {
  /** The rule (and, for granular rules, the finding), e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly rule: string;
  readonly description: string;
  readonly paths: string[];
}

/**
 * Q3: cdk-nag's AwsSolutions findings over the whole construct tree (every stage and stack,
 * including the pipeline's cross-region support stacks) that no `Validations.of(x).acknowledge`
 * covers.
 *
 * Why not `Validations.of(app).addPlugins(new AwsSolutionsChecks(app))`: with aws-cdk-lib 2.257
 * cdk-nag 3's plugin finds no construct tree on the validation context and reports a plugin error,
 * and under the CDK CLI a failed validation does not fail `cdk synth`. Walking the tree directly
 * and failing the process is the reliable gate.
 */
export function nagFindings(root: IConstruct): NagFinding[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(root);
  return report.violations.map((violation) => ({
    rule: violation.ruleName,
    description: violation.description,
    paths: violation.violatingResources.map((resource) => resource.constructPath ?? '(unknown path)'),
  }));
}

/** One readable block per finding: what is wrong, where, and how to settle it. */
export function formatFindings(findings: readonly NagFinding[]): string {
  const blocks = findings.map((finding) => `${finding.rule}: ${finding.description}\n${finding.paths.map((p) => `    at ${p}`).join('\n')}`);
  return [
    `cdk-nag AwsSolutions: ${findings.length} unacknowledged finding(s).`,
    ...blocks,
    'Fix each, or acknowledge it on the construct with Validations.of(construct).acknowledge({ id, reason }) and a specific reason.',
  ].join('\n\n');
}

/**
 * Acknowledges one cdk-nag finding on a construct (and everything under it), with its reason.
 * `Validations.acknowledge` rejects ids with more than one `::`, which every finding on a literal
 * S3 ARN (`arn:aws:s3:::bucket/*`) has; those are recorded under the same metadata key directly,
 * which is where cdk-nag looks.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  if (id.split('::').length <= 2) {
    Validations.of(scope).acknowledge({ id, reason });
  } else {
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [id]: reason });
  }
}
