import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

export interface FakeCountingTable {
  /** Count per shard, keyed `VIEWS#page/REGION#region`. */
  readonly shards: Map<string, number>;
  /** Every shard added up. */
  views(): number;
}

/**
 * Answers countClick's transaction the way DynamoDB does: a second marker for the same click
 * cancels the transaction (ConditionalCheckFailed); otherwise the shard is incremented. Clicks in
 * `counted` are already counted; clicks in `failFor` get a server error.
 */
export function fakeCountingTable(ddb: AwsClientStub<DynamoDBDocumentClient>, options: { counted?: string[]; failFor?: string[] } = {}): FakeCountingTable {
  const markers = new Set((options.counted ?? []).map((key) => `CLICK#${key}`));
  const failing = new Set((options.failFor ?? []).map((key) => `CLICK#${key}`));
  const shards = new Map<string, number>();
  ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const [marker, increment] = input.TransactItems!;
    const markerKey = String(marker.Put!.Item!.pk);
    if (failing.has(markerKey)) throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError' });
    if (markers.has(markerKey)) {
      throw new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });
    }
    markers.add(markerKey);
    const shard = `${increment.Update!.Key!.pk}/${increment.Update!.Key!.sk}`;
    shards.set(shard, (shards.get(shard) ?? 0) + 1);
    return {};
  });
  return { shards, views: () => [...shards.values()].reduce((sum, count) => sum + count, 0) };
}
