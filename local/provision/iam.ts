import type { ProvisionContext, TemplateResource } from '../provision';
import { roleArnOf, type PolicyDocument } from '../iam-policies';
import type { ResourceValues } from '../templates';
import { inert } from './inert';
import { arn, generatedName, LOCAL_ACCOUNT_ID, shortId } from './names';

/**
 * IAM and the resource policies (topic, queue, bucket, KMS key, Lambda permission): no emulator
 * holds them. They go to the region's IamPolicies, which authorizes the local calls and deliveries.
 */

export async function role(context: ProvisionContext, resource: TemplateResource): Promise<ResourceValues> {
  const values = inert(context, resource);
  const { props } = resource;
  const inline = (props.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[] | undefined) ?? [];
  context.policies.addRole(values.attributes!.Arn, inline, (props.ManagedPolicyArns as string[] | undefined) ?? []);
  return values;
}

/** AWS::IAM::Policy and AWS::IAM::ManagedPolicy: attached to the roles they list. */
export async function identityPolicy(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.PolicyName ?? props.ManagedPolicyName ?? generatedName(stack, logicalId));
  for (const roleName of (props.Roles as string[] | undefined) ?? []) {
    context.policies.attach(roleArnOf(LOCAL_ACCOUNT_ID, roleName), name, props.PolicyDocument as PolicyDocument);
  }
  return { ref: name, attributes: { PolicyArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:policy/${name}` } };
}

export async function topicPolicy(context: ProvisionContext, resource: TemplateResource): Promise<ResourceValues> {
  return resourcePolicy(context, resource, (resource.props.Topics as string[]) ?? []);
}

/** A queue policy lists queue URLs; its statements are kept by queue ARN. */
export async function queuePolicy(context: ProvisionContext, resource: TemplateResource): Promise<ResourceValues> {
  return resourcePolicy(context, resource, ((resource.props.Queues as string[]) ?? []).map((url) => arn('sqs', context.region, url.split('/').pop()!)));
}

export async function bucketPolicy(context: ProvisionContext, resource: TemplateResource): Promise<ResourceValues> {
  return resourcePolicy(context, resource, [`arn:aws:s3:::${resource.props.Bucket}`]);
}

function resourcePolicy(context: ProvisionContext, { logicalId, props, stack }: TemplateResource, resourceArns: string[]): ResourceValues {
  const document = props.PolicyDocument as PolicyDocument;
  for (const resourceArn of resourceArns) context.policies.addResourceStatements(resourceArn, [document.Statement].flat());
  return { ref: generatedName(stack, logicalId) };
}

/** No KMS emulator: a key is its id, its ARN and its key policy (what CloudWatch publishing to a topic it encrypts is checked against). */
export async function kmsKey(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const keyId = shortId(`${stack.stackName}/${logicalId}`, 32).replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
  const keyArn = arn('kms', context.region, `key/${keyId}`);
  const policy = props.KeyPolicy as PolicyDocument | undefined;
  if (policy) context.policies.addResourceStatements(keyArn, [policy.Statement].flat());
  context.local.inert.add('AWS::KMS::Key');
  return { ref: keyId, attributes: { Arn: keyArn, KeyId: keyId } };
}

export async function lambdaPermission(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const functionName = String(props.FunctionName);
  const functionArn = functionName.startsWith('arn:') ? functionName : arn('lambda', context.region, `function:${functionName}`);
  context.policies.addLambdaPermission(functionArn, {
    Action: String(props.Action),
    Principal: String(props.Principal),
    SourceArn: props.SourceArn as string | undefined,
    SourceAccount: props.SourceAccount as string | undefined,
  });
  return { ref: generatedName(stack, logicalId) };
}
