import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketVersioningCommand, PutObjectCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ProvisionContext, TemplateResource } from '../provision';
import type { ResourceValues } from '../templates';
import { generatedName } from './names';
import { deliveryQueue } from './queues';

/**
 * S3 buckets in the emulator, and the two CDK custom resources that act on them (their Python
 * providers do not run locally): BucketDeployment's upload and the bucket notifications.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [file];
  });
}

export async function bucket(context: ProvisionContext, { logicalId, props, stack }: TemplateResource): Promise<ResourceValues> {
  const name = String(props.BucketName ?? generatedName(stack, logicalId));
  const { region } = context;
  await context.clients.s3.send(new CreateBucketCommand({
    Bucket: name,
    CreateBucketConfiguration: region === 'us-east-1' ? undefined : { LocationConstraint: region as BucketLocationConstraint },
  }));
  if ((props.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled') {
    await context.clients.s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
  }
  return {
    ref: name,
    attributes: { Arn: `arn:aws:s3:::${name}`, DomainName: `${name}.s3.amazonaws.com`, RegionalDomainName: `${name}.s3.${region}.amazonaws.com`, WebsiteURL: `http://${name}.s3-website-${region}.amazonaws.com` },
  };
}

/** The BucketDeployment custom resource: each source asset's files, markers filled in. */
export async function bucketDeployment(context: ProvisionContext, { props, stack }: TemplateResource): Promise<ResourceValues> {
  const keys = props.SourceObjectKeys as string[];
  const markers = (props.SourceMarkers as Record<string, string>[] | undefined) ?? [];
  const bucketName = String(props.DestinationBucketName);
  const prefix = props.DestinationKeyPrefix ? `${String(props.DestinationKeyPrefix).replace(/\/$/, '')}/` : '';
  for (const [index, key] of keys.entries()) {
    const source = stack.assets.get(key);
    if (!source || !statSync(source).isDirectory()) throw new Error(`asset ${key} is not a directory in cdk.out`);
    for (const file of filesUnder(source)) {
      let body: Buffer | string = readFileSync(file);
      const replacements = Object.entries(markers[index] ?? {});
      if (replacements.length > 0) {
        let text = body.toString('utf8');
        for (const [marker, value] of replacements) text = text.split(marker).join(value);
        body = text;
      }
      await context.clients.s3.send(new PutObjectCommand({
        Bucket: bucketName,
        Key: `${prefix}${path.relative(source, file).split(path.sep).join('/')}`,
        Body: body,
        ContentType: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      }));
    }
  }
  return { ref: `${bucketName}-deployment` };
}

/** S3 → Lambda notifications become S3 → local queue → function (moto cannot invoke Lambda). */
export async function bucketNotifications(context: ProvisionContext, { props }: TemplateResource): Promise<ResourceValues> {
  const bucketName = String(props.BucketName);
  const config = props.NotificationConfiguration as {
    LambdaFunctionConfigurations?: { Events: string[]; Filter?: unknown; LambdaFunctionArn: string }[];
    QueueConfigurations?: { Events: string[]; Filter?: unknown; QueueArn: string }[];
  };
  const queueConfigurations = [...(config.QueueConfigurations ?? [])];
  for (const [index, lambda] of (config.LambdaFunctionConfigurations ?? []).entries()) {
    // PutBucketNotificationConfiguration checks that S3 may invoke each function (its Lambda permission).
    const decision = await context.policies.authorizeService('s3.amazonaws.com', 'lambda:InvokeFunction', lambda.LambdaFunctionArn, `arn:aws:s3:::${bucketName}`);
    if (!decision.allowed) throw new Error(`InvalidArgument: Unable to validate the following destination configurations (${decision.message})`);
    const queue = await deliveryQueue(context, `local-${bucketName}-${index}`);
    context.local.bucketDeliveries.push({
      queueUrl: queue.url,
      functionArn: lambda.LambdaFunctionArn,
      description: `bucket ${bucketName} → ${lambda.LambdaFunctionArn.split(':').pop()}`,
      principal: 's3.amazonaws.com',
      sourceArn: `arn:aws:s3:::${bucketName}`,
    });
    queueConfigurations.push({ Events: lambda.Events, Filter: lambda.Filter, QueueArn: queue.arn });
  }
  await context.clients.s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: bucketName,
    NotificationConfiguration: { QueueConfigurations: queueConfigurations as never },
  }));
  return { ref: `${bucketName}-notifications` };
}
