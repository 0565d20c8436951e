import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName } from './names';

/**
 * AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable, in DynamoDB Local. A global table gets a
 * replica (its own table and stream) in every region it lists, and is handed to the replicator
 * (local/replicator.ts) through `globalTables`.
 */
export async function table(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const tableName = String(props.TableName ?? generatedName(stack, logicalId, 255));
  const stream = props.StreamSpecification as { StreamViewType?: string } | undefined;
  const indexes = props.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown; Projection: unknown }[] | undefined;
  const ttl = props.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  const replicas = (props.Replicas as { Region: string; KinesisStreamSpecification?: { StreamArn: string } }[] | undefined) ?? [];
  const regions = replicas.length > 0 ? replicas.map((replica) => replica.Region) : [context.region];
  let streamArn: string | undefined;
  for (const region of regions) {
    const dynamodb = region === context.region ? context.clients.dynamodb : context.replicaDynamodb?.(region);
    if (!dynamodb) throw new Error(`Global table ${tableName} has a replica in ${region}, which this local environment does not run.`);
    const description = await dynamodb.send(new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: props.AttributeDefinitions as never,
      KeySchema: props.KeySchema as never,
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: indexes?.map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })) as never,
      StreamSpecification: stream?.StreamViewType ? { StreamEnabled: true, StreamViewType: stream.StreamViewType as never } : undefined,
    }));
    if (region === context.region) streamArn = description.TableDescription?.LatestStreamArn;
    if (ttl?.Enabled && ttl.AttributeName) {
      await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }));
    }
  }
  if (replicas.length > 0) context.local.globalTables.push({ tableName, regions });
  for (const replica of replicas) {
    if (replica.KinesisStreamSpecification) context.local.changeStreams.push({ tableName, region: replica.Region, streamArn: replica.KinesisStreamSpecification.StreamArn });
  }
  return { ref: tableName, attributes: { Arn: arn('dynamodb', context.region, `table/${tableName}`), StreamArn: streamArn ?? '', TableId: tableName } };
}
