import type { CheckpointBody, StateBody } from './state-items.js';
import type { ItemId } from './table-layout.js';

/** An item as read: its body and the revision a write must be conditioned on. */
export interface StoredItem<TBody extends StateBody = StateBody> {
  readonly id: ItemId;
  /** 1 or more. An absent item is simply missing from a read's result. */
  readonly rev: number;
  readonly body: TBody;
}

/** One write of a transaction. */
export interface ItemWrite {
  readonly id: ItemId;
  /** The revision read; 0 means the item must not exist. */
  readonly expectedRev: number;
  /** The new body, or null to delete the item. */
  readonly body: StateBody | null;
  /** For key-window items and window panes with windows to close: when the earliest closes (indexed for closing). */
  readonly closesAt?: number;
  /** Epoch seconds after which the item may be removed by TTL. */
  readonly expiresAt?: number;
}

export type CommitOutcome =
  | { readonly committed: true }
  /** Some condition failed: those items changed since they were read. Nothing was written. */
  | { readonly committed: false; readonly conflicts: readonly ItemId[] };

/**
 * A processor's state, with the conditional, all-or-nothing writes the
 * engine's exactly-once argument rests on. Implementations throw
 * StateStoreUnavailableError for conditions worth retrying (throttling,
 * 5xx, transaction conflicts) and StateStoreError for the rest.
 */
export interface StateStore {
  /** Strongly consistent reads. Absent items are missing from the map (keyed by idKey). */
  read(ids: readonly ItemId[]): Promise<ReadonlyMap<string, StoredItem>>;
  /**
   * All of `writes` or none, each conditioned on its expected revision. At
   * most 100 writes, 4 MB. A single write is not a transaction: it costs
   * half, with the same condition.
   */
  commit(writes: readonly ItemWrite[]): Promise<CommitOutcome>;
  /** One write on its own, conditioned on its expected revision: false when the condition failed and nothing was written. */
  write(write: ItemWrite): Promise<boolean>;
  /** Every item under one partition key, strongly consistent (a slice's panes, a window's result parts). */
  readPartition(pk: string): Promise<StoredItem[]>;
  /** Every partition's checkpoint. */
  listCheckpoints(): Promise<Array<StoredItem<CheckpointBody>>>;
  /** Key-window items and window panes whose earliest window closes at or before `closesAtOrBefore`. May lag behind commits. */
  findDueKeyWindows(closesAtOrBefore: number, limit: number): Promise<ItemId[]>;
}

/** DynamoDB's limits for one TransactWriteItems call. */
export const TRANSACTION_LIMITS = { maxItems: 100, maxBytes: 4_000_000 } as const;
