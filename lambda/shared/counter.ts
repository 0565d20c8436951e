import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactGetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClickDetail } from './click-event';
import { expiresAfterDays, keys } from './table';
import { readViewShards, totalViews } from './view-shards';

/**
 * Page-view counting (A2, A9).
 *
 * Why shards: the table is a DynamoDB global table, and global tables settle concurrent writes to
 * the same item in different regions by last-writer-wins. If both regions incremented one counter
 * item, a click in us-east-1 and a click in us-west-2 at the same moment would each write
 * "n + 1" and one click would be lost. So each region increments only its own shard
 * (`VIEWS#page` / `REGION#<region>`), which only that region ever writes, and readers add the
 * shards up.
 *
 * Why a transaction: the shard increment and the "this click is counted" marker are written
 * together, with the marker's condition `attribute_not_exists`, so a redelivered or replayed event
 * (EventBridge retries, the DLQ replayer, a re-ingested file) never counts twice.
 */

/**
 * How long a click's idempotency marker is kept: longer than anything can be replayed — the DLQ
 * keeps messages 14 days and the ingest bucket keeps files 30.
 */
const COUNTED_MARKER_DAYS = 35;

export type CountResult = 'counted' | 'duplicate';

export async function countClick(db: DynamoDBDocumentClient, tableName: string, click: ClickDetail, now = new Date()): Promise<CountResult> {
  try {
    await db.send(new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName,
            Item: {
              ...keys.countedClick(click.idempotencyKey),
              page: click.page,
              region: click.region,
              clickedAt: click.clickedAt,
              expiresAt: expiresAfterDays(now, COUNTED_MARKER_DAYS),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: tableName,
            Key: keys.viewShard(click.page, click.region),
            UpdateExpression: 'ADD #count :one',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    }));
    return 'counted';
  } catch (error) {
    if (isDuplicate(error)) return 'duplicate';
    throw error;
  }
}

/** True when the transaction failed only because the click was already counted. */
function isDuplicate(error: unknown): boolean {
  if (!(error instanceof TransactionCanceledException) && (error as { name?: string })?.name !== 'TransactionCanceledException') return false;
  const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
  return reasons[0]?.Code === 'ConditionalCheckFailed';
}

/**
 * The page's views including one click that was just put on the bus (POST /click's answer).
 *
 * The counter runs behind the bus, so the click may or may not be counted yet. Reading the shards
 * and the click's "counted" marker in two separate reads raced with it: a count landing between
 * them made the answer one too high (shards read after, marker before: 19 → 21) or one too low
 * (the reverse: 21 → 21). The counter writes the marker and this region's shard in one
 * transaction, so they are read here in one transaction too (TransactGetItems is serializable
 * with TransactWriteItems): either both show the click or neither does, and the answer adds it
 * exactly once. Other regions' shards never hold this click (a region counts only into its own
 * shard), so reading them separately can only lag behind replication, never count it twice: the
 * answer is never more than the count the click lands in.
 */
export async function readViewsIncludingClick(
  db: DynamoDBDocumentClient, tableName: string, page: string, region: string, idempotencyKey: string,
): Promise<number> {
  const snapshot = await db.send(new TransactGetCommand({
    TransactItems: [
      { Get: { TableName: tableName, Key: keys.countedClick(idempotencyKey) } },
      { Get: { TableName: tableName, Key: keys.viewShard(page, region) } },
    ],
  }));
  const [marker, ownShard] = snapshot.Responses ?? [];
  const others = totalViews((await readViewShards(db, tableName, page)).filter((shard) => shard.region !== region));
  return others + Number(ownShard?.Item?.count ?? 0) + (marker?.Item ? 0 : 1);
}
