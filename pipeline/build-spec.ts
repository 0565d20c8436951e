import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

const BUILDSPEC_FILE = path.resolve(__dirname, '..', 'buildspec.yml');

/** The report name in buildspec.yml that every step publishes its JUnit results under. */
const JUNIT_REPORT = 'junit';

interface SharedBuildSpec {
  reports: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

function readSharedBuildSpec(): SharedBuildSpec {
  const spec = parse(readFileSync(BUILDSPEC_FILE, 'utf8')) as SharedBuildSpec;
  if (!spec?.reports?.[JUNIT_REPORT]) {
    throw new Error(`${BUILDSPEC_FILE} must define reports.${JUNIT_REPORT} (the JUnit report every pipeline step publishes).`);
  }
  return spec;
}

/**
 * The shared partial buildspec (runtime versions, npm cache, env) with its JUnit report sent to
 * the given report group, so each step's results show up under its own name in CodeBuild.
 */
export function partialBuildSpec(reportGroup: codebuild.IReportGroup): codebuild.BuildSpec {
  const { reports, ...rest } = readSharedBuildSpec();
  return codebuild.BuildSpec.fromObject({
    ...rest,
    reports: { [reportGroup.reportGroupArn]: reports[JUNIT_REPORT] },
  });
}

/** Exactly what a build needs to publish test results into its report group. */
export function reportPublishingStatement(reportGroup: codebuild.IReportGroup): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['codebuild:CreateReport', 'codebuild:UpdateReport', 'codebuild:BatchPutTestCases'],
    resources: [reportGroup.reportGroupArn],
  });
}
