import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { arn, generatedName } from './names';

/** Kinesis data streams (in the emulator) and the Firehose delivery streams that read them into S3. */

export async function kinesisStream(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.Name ?? generatedName(stack, logicalId, 128));
  const onDemand = (props.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND';
  await context.clients.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: onDemand ? 1 : Number(props.ShardCount ?? 1) }));
  return { ref: name, attributes: { Arn: arn('kinesis', context.region, `stream/${name}`) } };
}

/** Firehose's part runs in the local runtime (change-stream.ts): a delivery stream is only recorded for it. */
export async function deliveryStream(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.DeliveryStreamName ?? generatedName(stack, logicalId, 64));
  const source = props.KinesisStreamSourceConfiguration as { KinesisStreamARN?: string; RoleARN: string } | undefined;
  const destination = props.ExtendedS3DestinationConfiguration as { BucketARN: string; Prefix?: string; CompressionFormat?: string; RoleARN: string } | undefined;
  if (!source?.KinesisStreamARN || !destination) throw new Error('only Kinesis-to-S3 delivery streams run locally');
  const streamArn = arn('firehose', context.region, `deliverystream/${name}`);
  context.local.deliveryStreams.push({
    name,
    arn: streamArn,
    sourceRoleArn: source.RoleARN,
    destinationRoleArn: destination.RoleARN,
    sourceStreamArn: source.KinesisStreamARN,
    bucketName: destination.BucketARN.replace('arn:aws:s3:::', ''),
    prefix: destination.Prefix ?? '',
    compression: destination.CompressionFormat ?? 'UNCOMPRESSED',
  });
  return { ref: name, attributes: { Arn: streamArn } };
}
