import type { ProvisionContext, TemplateResource } from '../provision';
import { LocalFunction, type LocalFunctionSpec } from '../lambda-runtime';
import type { ResourceValues } from '../templates';
import { arn, generatedName, shortId } from './names';

/** Lambda functions, run by the local runtime, and their async-invoke settings and SQS event sources. */

/** What Lambda's SQS poller does as the function's execution role. */
export const ESM_QUEUE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;

export async function lambdaFunction(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.FunctionName ?? generatedName(stack, logicalId, 64));
  const functionArn = arn('lambda', context.region, `function:${name}`);
  const values = { ref: name, attributes: { Arn: functionArn } };
  const code = props.Code as { S3Key?: string } | undefined;
  const codeDir = code?.S3Key ? stack.assets.get(code.S3Key) : undefined;
  if (!String(props.Runtime ?? '').startsWith('nodejs') || !codeDir) {
    // CDK's Python providers (BucketDeployment, bucket notifications) have local counterparts in buckets.ts.
    return values;
  }
  const variables = ((props.Environment as { Variables?: Record<string, string> } | undefined)?.Variables) ?? {};
  // Lambda hands the function its execution role's credentials; locally they name the role to the IAM proxy.
  const session = context.policies.session(String(props.Role), name);
  const spec: LocalFunctionSpec = {
    name,
    arn: functionArn,
    region: context.region,
    codeDir,
    handler: String(props.Handler),
    environment: {
      ...context.runtimeEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(props.MemorySize ?? 128),
      // Lambda sets it for on-demand functions; Powertools reads it for cold_start and the ColdStart metric.
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_ACCESS_KEY_ID: session.accessKeyId,
      AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
      AWS_SESSION_TOKEN: session.sessionToken,
      ...variables,
    },
    timeoutSeconds: Number(props.Timeout ?? 3),
    memoryMb: Number(props.MemorySize ?? 128),
    deadLetterQueueArn: (props.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn,
    roleSessionArn: session.sessionArn,
    maximumRetryAttempts: 2,
    reservedConcurrency: props.ReservedConcurrentExecutions === undefined ? undefined : Number(props.ReservedConcurrentExecutions),
  };
  if (spec.deadLetterQueueArn) {
    // CreateFunction checks the execution role may send to the dead-letter queue.
    const decision = await context.policies.authorize({ principal: session.sessionArn, action: 'sqs:SendMessage', resource: spec.deadLetterQueueArn });
    if (!decision.allowed) throw new Error(`InvalidParameterValueException: The provided execution role does not have permissions to call SendMessage on SQS (${decision.message})`);
  }
  context.local.functions.set(functionArn, new LocalFunction(spec, context.metrics, context.logDir));
  return values;
}

export async function eventInvokeConfig(context: ProvisionContext, { props }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.FunctionName);
  if (props.MaximumRetryAttempts !== undefined) context.local.asyncRetries.set(name, Number(props.MaximumRetryAttempts));
  return { ref: `${name}-event-invoke-config` };
}

export async function eventSourceMapping(context: ProvisionContext, { logicalId, props }: TemplateResource): Promise<ResourceValues> {
  const source = String(props.EventSourceArn);
  if (!source.includes(':sqs:')) throw new Error(`only SQS event sources run locally (got ${source})`);
  const functionName = String(props.FunctionName);
  const functionArn = functionName.startsWith('arn:') ? functionName : arn('lambda', context.region, `function:${functionName}`);
  // CreateEventSourceMapping checks the execution role can poll the queue, so the role's policy must come first.
  const fn = context.local.functionByArn(functionArn);
  if (fn) {
    for (const action of ESM_QUEUE_ACTIONS) {
      const decision = await context.policies.authorize({ principal: fn.spec.roleSessionArn, action, resource: source });
      if (!decision.allowed) throw new Error(`InvalidParameterValueException: The provided execution role does not have permissions to call ${action.split(':')[1]} on SQS (${decision.message})`);
    }
  }
  context.local.eventSourceMappings.push({
    queueArn: source,
    functionArn,
    batchSize: Number(props.BatchSize ?? 10),
    reportBatchItemFailures: ((props.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
    maximumConcurrency: Number((props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 2),
  });
  return { ref: shortId(logicalId, 32) };
}
