import type { Context } from 'aws-lambda';

/**
 * A Lambda context as the runtime hands it to a handler, with the fields Powertools Logger adds to
 * every log line (function name, version, ARN, memory, request id).
 */
export function lambdaContext(awsRequestId = 'request-1', functionName = 'regionalapp-test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
