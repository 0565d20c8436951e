import { CfnParameter, type Stack } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { parameterPath, type NameScope, type ParameterKey } from './names';

/**
 * Stacks in a region share names and IDs only through SSM parameters (never CloudFormation
 * exports), so one stack can be replaced without tearing down the stacks that read from it.
 */
export function publishParameter(scope: Construct, names: NameScope, key: ParameterKey, value: string, description: string): ssm.StringParameter {
  return new ssm.StringParameter(scope, `Parameter-${key.replace(/\W/g, '-')}`, {
    parameterName: parameterPath(names, key),
    stringValue: value,
    description,
  });
}

/** A value another stack published; resolved by CloudFormation at deploy time. */
export function readParameter(scope: Construct, names: NameScope, key: ParameterKey): string {
  return ssm.StringParameter.valueForStringParameter(scope, parameterPath(names, key));
}

/**
 * The logical ID of the CloudFormation parameter behind `readParameter(scope, names, key)`, as
 * cdk-nag shows it inside ARNs (`<LogicalId>`); for acknowledging findings on such ARNs.
 */
export function parameterLogicalId(stack: Stack, names: NameScope, key: ParameterKey): string {
  const path = parameterPath(names, key);
  const parameter = stack.node.findAll().find((node): node is CfnParameter => node instanceof CfnParameter && node.default === path);
  if (!parameter) throw new Error(`${stack.node.path} does not read SSM parameter ${path}`);
  return stack.getLogicalId(parameter);
}
