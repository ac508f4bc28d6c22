import type { CheckpointBody, StateBody } from './state-items.js';
import { TRANSACTION_LIMITS, type CommitOutcome, type ItemWrite, type StateStore, type StoredItem } from './state-store.js';
import { StateStoreError, StateStoreErrorReason } from './errors.js';
import { CHECKPOINT_PK, idKey, type ItemId } from './table-layout.js';

interface Entry {
  readonly id: ItemId;
  readonly rev: number;
  readonly body: StateBody;
  readonly closesAt?: number;
}

/**
 * A StateStore in memory with the same conditional semantics as the
 * DynamoDB adapter: reads return copies, commits check every expected
 * revision first and then apply all writes, or none. For tests, benchmarks
 * and local experiments.
 */
export class InMemoryStateStore implements StateStore {
  private readonly items = new Map<string, Entry>();

  public read(ids: readonly ItemId[]): Promise<ReadonlyMap<string, StoredItem>> {
    const found = new Map<string, StoredItem>();
    for (const id of ids) {
      const entry = this.items.get(idKey(id));
      if (entry !== undefined) found.set(idKey(id), { id: entry.id, rev: entry.rev, body: structuredClone(entry.body) });
    }
    return Promise.resolve(found);
  }

  public commit(writes: readonly ItemWrite[]): Promise<CommitOutcome> {
    if (writes.length > TRANSACTION_LIMITS.maxItems) {
      return Promise.reject(new StateStoreError(`A transaction holds at most ${TRANSACTION_LIMITS.maxItems} items, got ${writes.length}`, StateStoreErrorReason.INVALID_REQUEST));
    }
    const keys = new Set<string>();
    const conflicts: ItemId[] = [];
    for (const write of writes) {
      const key = idKey(write.id);
      if (keys.has(key)) {
        return Promise.reject(new StateStoreError(`A transaction cannot touch ${key} twice`, StateStoreErrorReason.INVALID_REQUEST));
      }
      keys.add(key);
      if ((this.items.get(key)?.rev ?? 0) !== write.expectedRev) conflicts.push(write.id);
    }
    if (conflicts.length > 0) return Promise.resolve({ committed: false, conflicts });
    for (const write of writes) {
      const key = idKey(write.id);
      if (write.body === null) this.items.delete(key);
      else {
        this.items.set(key, {
          id: write.id,
          rev: write.expectedRev + 1,
          body: structuredClone(write.body),
          closesAt: write.closesAt,
        });
      }
    }
    return Promise.resolve({ committed: true });
  }

  public async write(write: ItemWrite): Promise<boolean> {
    return (await this.commit([write])).committed;
  }

  public readPartition(pk: string): Promise<StoredItem[]> {
    const found = [...this.items.values()]
      .filter((e) => e.id.pk === pk)
      .sort((a, b) => (a.id.sk < b.id.sk ? -1 : a.id.sk > b.id.sk ? 1 : 0))
      .map((e) => ({ id: e.id, rev: e.rev, body: structuredClone(e.body) }));
    return Promise.resolve(found);
  }

  public listCheckpoints(): Promise<Array<StoredItem<CheckpointBody>>> {
    const found: Array<StoredItem<CheckpointBody>> = [];
    for (const entry of this.items.values()) {
      if (entry.id.pk === CHECKPOINT_PK && entry.body.kind === 'checkpoint') {
        found.push({ id: entry.id, rev: entry.rev, body: structuredClone(entry.body) });
      }
    }
    return Promise.resolve(found);
  }

  public findDueKeyWindows(closesAtOrBefore: number, limit: number): Promise<ItemId[]> {
    const due = [...this.items.values()]
      .filter((e) => e.closesAt !== undefined && e.closesAt <= closesAtOrBefore)
      .sort((a, b) => (a.closesAt ?? 0) - (b.closesAt ?? 0))
      .slice(0, limit)
      .map((e) => e.id);
    return Promise.resolve(due);
  }

  /** Every item, for tests and reconciliation. */
  public snapshot(): Array<StoredItem> {
    return [...this.items.values()].map((e) => ({ id: e.id, rev: e.rev, body: structuredClone(e.body) }));
  }
}
