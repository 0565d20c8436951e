import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { EDGE_REGION, edgeParameterPath, parameterArn, type EdgeParameterKey, type NameScope } from './names';
import { acknowledge } from './nag';

/** An Edge stack publishes one ARN in us-east-1's SSM for its app region's stacks. */
export function publishEdgeParameter(scope: Construct, names: NameScope, key: EdgeParameterKey, value: string, description: string): ssm.StringParameter {
  return new ssm.StringParameter(scope, `EdgeParameter-${key}`, { parameterName: edgeParameterPath(names, key), stringValue: value, description });
}

/**
 * What an Edge stack published, read from `scope`'s stack. In us-east-1 itself that is a plain SSM
 * dynamic reference; from any other region an SDK call (`ssm:GetParameter` in us-east-1, on that
 * one parameter) at deploy time. Not `crossRegionReferences`: its SSM "exports" pin the producer
 * (a value in use cannot change), the coupling the project's no-exports rule is there to avoid.
 */
export function readEdgeParameter(scope: Construct, names: NameScope, key: EdgeParameterKey): string {
  const stack = Stack.of(scope);
  const name = edgeParameterPath(names, key);
  if (stack.region === EDGE_REGION) return ssm.StringParameter.valueForStringParameter(scope, name);
  const edgeParameterArn = parameterArn({ partition: stack.partition, region: EDGE_REGION, account: stack.account }, name);
  const call: cr.AwsSdkCall = {
    service: 'SSM',
    action: 'getParameter',
    parameters: { Name: name },
    region: EDGE_REGION,
    // A new id on every change of the path, and the value re-read on every deploy of the stack.
    physicalResourceId: cr.PhysicalResourceId.of(`${name}@${EDGE_REGION}`),
    outputPaths: ['Parameter.Value'],
  };
  const reader = new cr.AwsCustomResource(scope, `EdgeParameterReader-${key}`, {
    onCreate: call,
    onUpdate: call,
    policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [edgeParameterArn] })]),
    installLatestAwsSdk: false,
  });
  acknowledgeProvider(stack);
  return reader.getResponseField('Parameter.Value');
}

/** cdk-nag's findings on the one provider function CDK shares among a stack's AwsCustomResources. */
function acknowledgeProvider(stack: Stack): void {
  const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
  if (!provider) throw new Error(`${stack.node.path}: CDK's AwsCustomResource provider function was not found where expected`);
  acknowledge(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'CDK\'s AwsCustomResource provider runs with AWSLambdaBasicExecutionRole (aws-cdk-lib sets it; only logging); its own policy reads one SSM parameter in us-east-1 at deploy time.');
  acknowledge(provider, 'AwsSolutions-L1',
    'aws-cdk-lib chooses the runtime of its AwsCustomResource provider and moves it with its upgrades; the function runs only during deploys.');
}
