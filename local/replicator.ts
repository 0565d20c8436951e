import { DeleteItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { _Record, DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Poller } from './poller';
import { followTableStream } from './table-stream';

/**
 * DynamoDB global tables, locally (L5): every local region has its own replica (its own DynamoDB
 * Local database), and this replicator carries each replica's changes to the others the way global
 * tables (version 2019.11.21) do:
 * - asynchronously: a change reaches the other replicas `lagMs` after it was made (about a second
 *   in AWS, "typically within a second"; LOCAL_REPLICATION_LAG_MS or the lagMs option here);
 * - item by item: a transaction or a conditional write is checked and applied in its own region
 *   only; its items replicate one by one, not as a transaction and with no condition;
 * - last writer wins: when two regions write one item before either has seen the other's write,
 *   every replica ends with the write that was made last, and the other one is lost;
 * - deletes, TTL deletes included, replicate like writes; each replica's own stream holds its
 *   local writes and the replicated ones, as a replica's stream does in AWS.
 * "Last" is the order in which the replicator reads the replicas' streams (every POLL_INTERVAL_MS):
 * DynamoDB Local stamps stream records to the second, too coarse to order writes by.
 */

const DEFAULT_REPLICATION_LAG_MS = 1_000;
const POLL_INTERVAL_MS = 100;

export interface Replica {
  readonly region: string;
  /** The replica's DynamoDB (the emulator itself: replication is the service's own work, not a caller's). */
  readonly dynamodb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
}

export interface ReplicatorOptions {
  readonly tableName: string;
  readonly replicas: readonly Replica[];
  readonly lagMs: number;
  readonly onError: (error: unknown) => void;
}

type Image = Record<string, AttributeValue>;

/** One write to an item, as the replicator orders them: a higher `order` is a later write. */
interface Write {
  readonly order: number;
  readonly region: string;
  readonly keys: Image;
  /** The item after the write; null for a delete. */
  readonly image: Image | null;
  readonly signature: string;
  /** When it is due in the other replicas. */
  readonly dueAt: number;
}

/** DynamoDB's set types: their members have no order (a list's do). */
const SET_TYPES = new Set(['SS', 'NS', 'BS']);

/** The same item (or key) always gives the same string, whatever the order of its attributes or set members. */
export function canonical(value: unknown, unordered = false): string {
  if (Array.isArray(value)) {
    const members = value.map((member) => canonical(member));
    return `[${(unordered ? members.sort() : members).join(',')}]`;
  }
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key], SET_TYPES.has(key))}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export class TableReplicator {
  private order = 0;
  /** Item key → the last write anywhere: what every replica converges to. */
  private readonly winners = new Map<string, Write>();
  /** Region → item key → writes the replicator made there that its stream has not shown yet. */
  private readonly echoes = new Map<string, Map<string, Write[]>>();
  /** Region + item key → the replicator's writes to that item in that region, one after another. */
  private readonly queues = new Map<string, Promise<void>>();
  private pending = 0;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly options: ReplicatorOptions) {
    for (const replica of options.replicas) this.echoes.set(replica.region, new Map());
  }

  /** Follows every replica's stream until stopped. */
  start(): Poller {
    const followers = this.options.replicas.map((replica) => followTableStream(
      { dynamodb: replica.dynamodb, streams: replica.streams, tableName: this.options.tableName, region: replica.region, intervalMs: POLL_INTERVAL_MS },
      async (records) => { for (const record of records) this.observe(replica, record); },
      this.options.onError,
    ));
    return { stop: async () => { await Promise.all(followers.map((follower) => follower.stop())); await this.settled(); } };
  }

  /** Resolves once every replication that has been scheduled has been applied. */
  settled(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  private observe(replica: Replica, record: _Record): void {
    const keys = record.dynamodb?.Keys as Image | undefined;
    if (!keys) return;
    const key = canonical(keys);
    const image = record.eventName === 'REMOVE' ? null : (record.dynamodb?.NewImage as Image | undefined) ?? null;
    const signature = canonical(image);
    const echoes = this.echoes.get(replica.region)!;
    const mine = echoes.get(key);
    const index = mine?.findIndex((write) => write.signature === signature) ?? -1;
    if (index >= 0) {
      // The replicator's own write coming back on this replica's stream: not a new change. Should
      // a local write have landed just before it (and so been overwritten by it), the replica may
      // now hold an older write than the winner: put the winner back.
      const [echo] = mine!.splice(index, 1);
      if (mine!.length === 0) echoes.delete(key);
      const winner = this.winners.get(key)!;
      if (winner.order !== echo.order) this.apply(replica, key, winner, Date.now());
      return;
    }
    const write: Write = { order: ++this.order, region: replica.region, keys, image, signature, dueAt: Date.now() + this.options.lagMs };
    this.winners.set(key, write);
    for (const other of this.options.replicas) {
      if (other.region !== replica.region) this.apply(other, key, write, write.dueAt);
    }
  }

  /** At `dueAt`, writes `write` to `target` — unless a later write has won the item by then. */
  private apply(target: Replica, key: string, write: Write, dueAt: number): void {
    const queueKey = `${target.region}\n${key}`;
    this.pending += 1;
    const run = async () => {
      const wait = dueAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (this.winners.get(key) !== write) return;
      const echoes = this.echoes.get(target.region)!;
      const expected = [...(echoes.get(key) ?? []), write];
      // Registered before the write lands: its stream record may be read before the call returns.
      echoes.set(key, expected);
      const { Attributes } = write.image
        ? await target.dynamodb.send(new PutItemCommand({ TableName: this.options.tableName, Item: write.image, ReturnValues: 'ALL_OLD' }))
        : await target.dynamodb.send(new DeleteItemCommand({ TableName: this.options.tableName, Key: write.keys, ReturnValues: 'ALL_OLD' }));
      // A write that changes nothing (the replica already held it) leaves no stream record.
      if (canonical(Attributes ?? null) === write.signature) this.forgetEcho(target.region, key, write);
    };
    const previous = this.queues.get(queueKey) ?? Promise.resolve();
    const next = previous.then(run).catch(this.options.onError).finally(() => {
      if (this.queues.get(queueKey) === next) this.queues.delete(queueKey);
      this.pending -= 1;
      if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
    this.queues.set(queueKey, next);
  }

  private forgetEcho(region: string, key: string, write: Write): void {
    const echoes = this.echoes.get(region)!;
    const remaining = (echoes.get(key) ?? []).filter((candidate) => candidate !== write);
    if (remaining.length > 0) echoes.set(key, remaining);
    else echoes.delete(key);
  }
}

/** The replication lag the local environment uses: LOCAL_REPLICATION_LAG_MS, else about a second as in AWS. */
export function replicationLagMs(environment: NodeJS.ProcessEnv = process.env): number {
  const configured = environment.LOCAL_REPLICATION_LAG_MS;
  if (configured === undefined || configured === '') return DEFAULT_REPLICATION_LAG_MS;
  const lag = Number(configured);
  if (!Number.isInteger(lag) || lag < 0 || lag > 600_000) {
    throw new Error(`LOCAL_REPLICATION_LAG_MS must be a whole number of milliseconds from 0 to 600000 (got "${configured}"); unset it for the default of ${DEFAULT_REPLICATION_LAG_MS} ms.`);
  }
  return lag;
}
