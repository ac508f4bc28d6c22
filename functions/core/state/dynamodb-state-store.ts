import type { CancellationReason, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoffDelay, sleep } from '../retry/backoff.js';
import { isRetryableError } from '../retry/retryable-error.js';
import type { CheckpointBody, StateBody } from './state-items.js';
import { type CommitOutcome, type ItemWrite, type StateStore, type StoredItem } from './state-store.js';
import { StateStoreError, StateStoreErrorReason, StateStoreUnavailableError } from './errors.js';
import { CHECKPOINT_PK, OPEN_WINDOW_SHARDS, OPEN_WINDOWS_INDEX, TTL_ATTRIBUTE, idKey, openWindowShard, type ItemId } from './table-layout.js';

export interface DynamoDbStateStoreProps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Attempts for keys a BatchGet leaves unprocessed. @default 8 */
  readonly maxReadAttempts?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Attributes the table keeps beside an item's body. */
const RESERVED = new Set(['pk', 'sk', 'rev', 'openShard', 'closesAt']);

// Each part of a write's condition guards one timeline:
/** A new item: nobody created it since we read it as absent. */
const MUST_NOT_EXIST = 'attribute_not_exists(pk)';
/** An existing item: nobody wrote it since we read revision :rev. */
const MUST_BE_AT_REVISION = '#rev = :rev';

/** Cancellation codes that mean "try again later", not "your condition lost". */
const RETRYABLE_CANCELLATIONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
/** DynamoDB's own "try again" that the SDK's classification does not know: a 400 for an item a transaction holds. */
const TRANSACTION_CONFLICT = 'TransactionConflictException';

/**
 * The state store on a DynamoDB table: `pk`/`sk` string keys, a revision per
 * item, a sparse `open-windows` index on (`openShard`, `closesAt`) and TTL on
 * `expiresAt`. Reads are strongly consistent; a commit of several items is
 * one TransactWriteItems with a condition per item, a commit of one item a
 * conditional PutItem or DeleteItem.
 */
export class DynamoDbStateStore implements StateStore {
  private readonly documents: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly maxReadAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(props: DynamoDbStateStoreProps) {
    this.documents = DynamoDBDocumentClient.from(props.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = props.tableName;
    this.maxReadAttempts = props.maxReadAttempts ?? 8;
    this.sleep = props.sleep ?? sleep;
  }

  public async read(ids: readonly ItemId[]): Promise<ReadonlyMap<string, StoredItem>> {
    const found = new Map<string, StoredItem>();
    const unique = [...new Map(ids.map((id) => [idKey(id), { pk: id.pk, sk: id.sk }])).values()];
    for (let i = 0; i < unique.length; i += 100) {
      let keys: Array<Record<string, unknown>> = unique.slice(i, i + 100);
      for (let attempt = 1; keys.length > 0; attempt += 1) {
        const response = await this.send(() =>
          this.documents.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } })),
        );
        for (const item of response.Responses?.[this.tableName] ?? []) {
          const stored = toStored(item);
          found.set(idKey(stored.id), stored);
        }
        keys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (keys.length === 0) break;
        if (attempt >= this.maxReadAttempts) {
          throw new StateStoreUnavailableError(`DynamoDB left ${keys.length} keys of ${this.tableName} unprocessed after ${attempt} attempts`);
        }
        await this.sleep(backoffDelay(attempt, { baseMs: 20, capMs: 1_000 }));
      }
    }
    return found;
  }

  public async commit(writes: readonly ItemWrite[]): Promise<CommitOutcome> {
    if (writes.length === 0) return { committed: true };
    // One item needs no transaction: the same condition on a plain write costs half.
    if (writes.length === 1) {
      const only = writes[0] as ItemWrite;
      return (await this.write(only)) ? { committed: true } : { committed: false, conflicts: [only.id] };
    }
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = writes.map((write) => {
      const condition = conditionOf(write);
      if (write.body === null) return { Delete: { TableName: this.tableName, Key: { pk: write.id.pk, sk: write.id.sk }, ...condition } };
      return { Put: { TableName: this.tableName, Item: toItem(write), ...condition } };
    });
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: items }));
      return { committed: true };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TransactionCanceledException') {
        const reasons = (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
        const conflicts = writes.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((w) => w.id);
        if (conflicts.length > 0) return { committed: false, conflicts };
        if (reasons.some((r) => RETRYABLE_CANCELLATIONS.has(r.Code ?? ''))) {
          throw new StateStoreUnavailableError(`Transaction on ${this.tableName} cancelled: ${describeReasons(reasons)}`, { cause: error });
        }
        throw new StateStoreError(`Transaction on ${this.tableName} cancelled: ${describeReasons(reasons)}`, StateStoreErrorReason.INVALID_REQUEST, { cause: error });
      }
      throw this.translate(error);
    }
  }

  public async write(write: ItemWrite): Promise<boolean> {
    const condition = conditionOf(write);
    try {
      if (write.body === null) await this.documents.send(new DeleteCommand({ TableName: this.tableName, Key: { pk: write.id.pk, sk: write.id.sk }, ...condition }));
      else await this.documents.send(new PutCommand({ TableName: this.tableName, Item: toItem(write), ...condition }));
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw this.translate(error);
    }
  }

  public async readPartition(pk: string): Promise<StoredItem[]> {
    const found: StoredItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.send(() =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of page.Items ?? []) found.push(toStored(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return found;
  }

  public async listCheckpoints(): Promise<Array<StoredItem<CheckpointBody>>> {
    return (await this.readPartition(CHECKPOINT_PK)).filter((item): item is StoredItem<CheckpointBody> => item.body.kind === 'checkpoint');
  }

  public async findDueKeyWindows(closesAtOrBefore: number, limit: number): Promise<ItemId[]> {
    // Nothing is due by -Infinity or NaN (every comparison with it is false), and DynamoDB rejects a Limit below 1.
    if (Number.isNaN(closesAtOrBefore) || closesAtOrBefore === Number.NEGATIVE_INFINITY || limit < 1) return [];
    const bound = Number.isFinite(closesAtOrBefore) ? closesAtOrBefore : Number.MAX_SAFE_INTEGER;
    const shards = Array.from({ length: OPEN_WINDOW_SHARDS }, (_, n) => `S${n}`);
    const pages = await Promise.all(
      shards.map((shard) =>
        this.send(() =>
          this.documents.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: OPEN_WINDOWS_INDEX,
              KeyConditionExpression: 'openShard = :shard AND closesAt <= :bound',
              ExpressionAttributeValues: { ':shard': shard, ':bound': bound },
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    return pages
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => Number(a.closesAt) - Number(b.closesAt))
      .slice(0, limit)
      .map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  }

  /** Every item of the table, for reconciliation and tests. */
  public async scanAll(): Promise<StoredItem[]> {
    const found: StoredItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.send(() =>
        this.documents.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start })),
      );
      for (const item of page.Items ?? []) found.push(toStored(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return found;
  }

  private async send<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.translate(error);
    }
  }

  /** AWS errors become the store's: retryable ones unavailable, the rest named. */
  private translate(error: unknown): Error {
    const name = (error as { name?: string }).name ?? '';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = error instanceof Error ? error.message : String(error);
    // No status: the request never got an answer (a reset, a timeout), so it may yet succeed.
    if (status === undefined || name === TRANSACTION_CONFLICT || isRetryableError(error)) {
      return new StateStoreUnavailableError(`DynamoDB table ${this.tableName} is unavailable (${name || 'network'}): ${message}`, { cause: error });
    }
    if (name === 'ValidationException' && /size/i.test(message)) {
      return new StateStoreError(`An item of ${this.tableName} would exceed DynamoDB's 400 KB limit: ${message}`, StateStoreErrorReason.ITEM_TOO_LARGE, { cause: error });
    }
    return new StateStoreError(`DynamoDB rejected a request on ${this.tableName} (${name}): ${message}`, StateStoreErrorReason.INVALID_REQUEST, { cause: error });
  }
}

/** A write's condition: a new item must not exist yet; an existing one must still be at the revision read. */
function conditionOf(write: ItemWrite): { ConditionExpression: string; ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
  return write.expectedRev === 0
    ? { ConditionExpression: MUST_NOT_EXIST }
    : { ConditionExpression: MUST_BE_AT_REVISION, ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': write.expectedRev } };
}

function toItem(write: ItemWrite): Record<string, unknown> {
  return {
    ...(write.body as object),
    pk: write.id.pk,
    sk: write.id.sk,
    rev: write.expectedRev + 1,
    ...(write.closesAt === undefined ? {} : { openShard: openWindowShard(write.id), closesAt: write.closesAt }),
    // After the body, and only when the write sets one: a write without a TTL of its own leaves the body's as it is.
    ...(write.expiresAt === undefined ? {} : { [TTL_ATTRIBUTE]: write.expiresAt }),
  };
}

function toStored(item: Record<string, unknown>): StoredItem {
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!RESERVED.has(name)) body[name] = value;
  return { id: { pk: String(item.pk), sk: String(item.sk) }, rev: Number(item.rev), body: body as unknown as StateBody };
}

function describeReasons(reasons: readonly CancellationReason[]): string {
  return reasons.map((r, i) => `${i}:${r.Code ?? 'None'}${r.Message === undefined ? '' : ` (${r.Message})`}`).join(', ');
}
