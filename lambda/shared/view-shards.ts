import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys } from './table';

/**
 * Reading a page's view counter, which is sharded by region (each region counts only into its own
 * shard, so concurrent clicks in two regions never overwrite each other under the global table's
 * last-writer-wins). Read-only: GET /views, POST /click's answer and the end-to-end suite use it.
 */

export interface ViewShard {
  readonly region: string;
  readonly count: number;
}

/** The page's views: every region's shard added up. */
export function totalViews(shards: readonly ViewShard[]): number {
  return shards.reduce((sum, shard) => sum + shard.count, 0);
}

/** Reads every region's shard of a page's counter (strongly consistent within this region). */
export async function readViewShards(db: DynamoDBDocumentClient, tableName: string, page: string): Promise<ViewShard[]> {
  const shards: ViewShard[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await db.send(new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.viewShardsOf(page) },
      ConsistentRead: true,
      ExclusiveStartKey: startKey,
    }));
    for (const item of result.Items ?? []) {
      shards.push({ region: String(item.sk).replace(/^REGION#/, ''), count: Number(item.count ?? 0) });
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return shards;
}
