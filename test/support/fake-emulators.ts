import { LOCAL_ACCOUNT_ID, type AwsClients } from '../../local/provision';

/**
 * Clients that answer provisioning calls as moto does (ids, ARNs, and what earlier stacks put in
 * SSM, read back by the SSM-typed template parameters), for provisioning the real app in unit tests.
 */
export function fakeEmulators(region: string): AwsClients {
  const parameters = new Map<string, string>();
  const answers: Record<string, (input: any) => unknown> = {
    CreateUserPoolCommand: () => ({ UserPool: { Id: `${region}_Pr0beP00l`, Arn: `arn:aws:cognito-idp:${region}:${LOCAL_ACCOUNT_ID}:userpool/${region}_Pr0beP00l` } }),
    CreateUserPoolClientCommand: (input) => ({ UserPoolClient: { ClientId: 'probeclientid0123456789', ClientName: input.ClientName } }),
    CreateTableCommand: (input) => ({ TableDescription: { LatestStreamArn: `arn:aws:dynamodb:${region}:${LOCAL_ACCOUNT_ID}:table/${input.TableName}/stream/2024-05-01T00:00:00.000` } }),
    CreateEventBusCommand: (input) => ({ EventBusArn: `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:event-bus/${input.Name}` }),
    PutRuleCommand: (input) => ({ RuleArn: `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${input.Name}` }),
    CreateQueueCommand: (input) => ({ QueueUrl: `http://localhost:5000/${LOCAL_ACCOUNT_ID}/${input.QueueName}` }),
    GetQueueAttributesCommand: (input) => ({ Attributes: { QueueArn: `arn:aws:sqs:${region}:${LOCAL_ACCOUNT_ID}:${String(input.QueueUrl).split('/').pop()}` } }),
    PutParameterCommand: (input) => (parameters.set(input.Name, input.Value), { Version: 1 }),
    GetParametersCommand: (input: { Names: string[] }) => ({
      Parameters: input.Names.filter((name) => parameters.has(name)).map((name) => ({ Name: name, Type: 'String', Value: parameters.get(name) })),
    }),
  };
  const client = { send: async (command: { constructor: { name: string }; input: unknown }) => answers[command.constructor.name]?.(command.input) ?? {} };
  return Object.fromEntries(['cloudwatch', 'cognito', 'dynamodb', 'events', 'kinesis', 's3', 'sqs', 'ssm'].map((name) => [name, client])) as unknown as AwsClients;
}
