/**
 * The single-table layout of the global table (A2): every item's keys are built here, and only
 * here. `pk`/`sk` are strings; `expiresAt` (epoch seconds) is the TTL attribute; the sparse
 * `byStatus` index (`status`, `updatedAt`) lists batch-ingest jobs by status (A19).
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk', ttl: 'expiresAt' } as const;
export const STATUS_INDEX = { name: 'byStatus', partitionKey: 'status', sortKey: 'updatedAt' } as const;

const DAY_SECONDS = 24 * 60 * 60;

/** Epoch seconds `days` from `now`, for the TTL attribute. */
export function expiresAfterDays(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + days * DAY_SECONDS;
}

export const keys = {
  /** One login attempt (A6); kept for LOGIN_ATTEMPT_DAYS (lambda/login.ts). */
  loginAttempt: (username: string, at: Date, region: string, requestId: string) => ({
    pk: `LOGIN#${username.toLowerCase()}`,
    sk: `${at.toISOString()}#${region}#${requestId}`,
  }),
  /** A region's shard of a page's view counter (A2). */
  viewShard: (page: string, region: string) => ({ pk: `VIEWS#${page}`, sk: `REGION#${region}` }),
  /** All shards of a page's view counter. */
  viewShardsOf: (page: string) => `VIEWS#${page}`,
  /** Marks a click as counted, so a redelivered or replayed event does not count again (A9). */
  countedClick: (idempotencyKey: string) => ({ pk: `CLICK#${idempotencyKey}`, sk: 'COUNTED' }),
  /** One batch-ingest file's processing status (A19). */
  ingestJob: (bucket: string, objectKey: string) => ({ pk: `INGEST#${bucket}/${objectKey}`, sk: 'JOB' }),
  /** One Slack delivery attempt of the alarm notifier (A13). */
  delivery: (alarmName: string, at: Date) => ({ pk: `DELIVERY#${alarmName}`, sk: at.toISOString() }),
  /** A Slack request's signature, once seen (A14): the same signed request twice is a replay. */
  slackRequest: (signature: string) => ({ pk: `SLACK#${signature}`, sk: 'SEEN' }),
};
