import type { CheckpointBody } from '../state/state-items.js';
import type { StoredItem } from '../state/state-store.js';

/** Where a partition stands: its checkpoint as last written, and whether the table's meta item exists. */
export interface PartitionCursor {
  readonly checkpoint: StoredItem<CheckpointBody> | undefined;
  readonly metaExists: boolean;
}

/** What one partition's last commit left in state, as far as this process knows it. */
export interface CachedPartition {
  readonly cursor: PartitionCursor;
  /** The partition's own items (window panes, rollup shares) by idKey, as that commit left them. */
  readonly items: ReadonlyMap<string, StoredItem>;
  /** idKeys of its own items known to be absent. */
  readonly absent: ReadonlySet<string>;
}

/**
 * The state each partition's commits left behind, kept between invocations
 * as a warm Lambda's module state is, so that the next invocation given the
 * same partition does not read its checkpoint and panes again.
 *
 * Nothing here is trusted on its own. Every item a plan made from it
 * changes is written conditioned on the revision remembered, so a stale
 * entry (the partition moved to another process and back, a zombie or the
 * closer wrote since) loses a condition and the executor reads afresh. What
 * a plan decides without writing (skipping records at the checkpoint, a
 * duplicate, a late record) the executor decides again on fresh reads.
 *
 * Bounded: at most `itemsPerPartition` items per partition, the least
 * recently committed forgotten first, and a forgotten item is only read.
 * A batch that starts past the remembered checkpoint is planned on fresh
 * reads, so on a topic whose offsets have gaps (transaction markers,
 * compaction) the cache is used only where batches meet end to end.
 */
export class PartitionStateCache {
  private readonly partitions = new Map<string, CachedPartition>();

  /**
   * @param itemsPerPartition Own items remembered per partition: a batch touches a pane per view and slice,
   * and a pane grows in parts of at most about 32 KB, so 64 items keep at most about 2 MB per partition.
   * @default 64
   */
  public constructor(private readonly itemsPerPartition = 64) {}

  public get(topic: string, partition: number): CachedPartition | undefined {
    return this.partitions.get(partitionKey(topic, partition));
  }

  /**
   * After a commit: the cursor it wrote, and its own items as they now are
   * (`undefined` for one it deleted or found absent), over what was known.
   */
  public remember(topic: string, partition: number, cursor: PartitionCursor, items: ReadonlyMap<string, StoredItem | undefined>): void {
    const key = partitionKey(topic, partition);
    const previous = this.partitions.get(key);
    const present = new Map(previous?.items);
    const absent = new Set(previous?.absent);
    for (const [itemKey, item] of items) {
      // Re-inserted, so the map's order is the order of last commit.
      present.delete(itemKey);
      absent.delete(itemKey);
      if (item === undefined) absent.add(itemKey);
      else present.set(itemKey, item);
    }
    trim(present, this.itemsPerPartition);
    trim(absent, this.itemsPerPartition);
    this.partitions.set(key, { cursor, items: present, absent });
  }

  /** After anything but a clean commit: the next attempt reads what it needs. */
  public forget(topic: string, partition: number): void {
    this.partitions.delete(partitionKey(topic, partition));
  }
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function trim(entries: Map<string, unknown> | Set<string>, capacity: number): void {
  for (const key of entries.keys()) {
    if (entries.size <= capacity) return;
    entries.delete(key);
  }
}
