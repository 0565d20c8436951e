import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { IamPolicies } from '../../local/iam-policies';
import { MetricStore } from '../../local/metric-store';
import { LOCAL_ACCOUNT_ID, RegionProvisioner, type AwsClients, type LocalRegion } from '../../local/provision';

/** Real SDK clients for every service the provisioner calls (tests mock them with aws-sdk-client-mock). */
export function sdkClients(region: string): AwsClients {
  return {
    cloudwatch: new CloudWatchClient({ region }),
    cognito: new CognitoIdentityProviderClient({ region }),
    dynamodb: new DynamoDBClient({ region }),
    events: new EventBridgeClient({ region }),
    kinesis: new KinesisClient({ region }),
    s3: new S3Client({ region }),
    sqs: new SQSClient({ region }),
    ssm: new SSMClient({ region }),
  };
}

/**
 * Clients that answer provisioning calls as moto does (ids, ARNs, and what earlier stacks put in
 * SSM, read back by the SSM-typed template parameters), for provisioning the real app in unit tests.
 */
function fakeEmulators(region: string): AwsClients {
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

/** A provisioner for `region` against the fake emulators, with its own IAM; logs go to `logDir`. */
export function fakeProvisioner(region: string, logDir: string): RegionProvisioner {
  return new RegionProvisioner({
    region,
    clients: fakeEmulators(region),
    metrics: new MetricStore(),
    logDir,
    runtimeEnvironment: { AWS_REGION: region },
    cognitoUrl: 'http://127.0.0.1:1',
    policies: new IamPolicies(LOCAL_ACCOUNT_ID),
    // A global table's other replicas go to the same fakes, as they go to other regions' DynamoDB.
    replicaDynamodb: (replicaRegion) => fakeEmulators(replicaRegion).dynamodb,
  });
}

/** Closes the servers and execution environments a provisioned region started. */
export async function stopLocalRegion(local: LocalRegion): Promise<void> {
  await Promise.all([...local.apis, ...local.sites].map((server) => server.close()));
  await Promise.all([...local.functions.values()].map((fn) => fn.stop()));
}
