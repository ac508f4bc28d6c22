import type { Disposition } from './plan-chunk.js';
import type { PreparedRecord } from './prepared-record.js';

/** What happened to each delivered record, for accounting. */
export interface PartitionStats {
  readonly received: number;
  readonly applied: number;
  /** At or below the checkpoint: redeliveries, and records a concurrent invocation committed first. */
  readonly skippedByCheckpoint: number;
  /** Repeats of an event id within the dedup horizon. */
  readonly duplicates: number;
  readonly rejected: { readonly LATE_EVENT: number; readonly PROCESSING_ERROR: number };
  /** Applied, but late for some of the window views it targets; side-output as LATE_EVENT too. */
  readonly lateForSomeViews: number;
  /** Left for redelivery. */
  readonly uncommitted: number;
  readonly commits: number;
  readonly itemsWritten: number;
  readonly conflicts: number;
}

/** What the executor did besides deciding records. */
export interface CommitCounts {
  readonly commits: number;
  readonly itemsWritten: number;
  readonly conflicts: number;
}

/**
 * Counts the records of a partition by what was committed for each.
 * A record with nothing committed was skipped at the checkpoint, unless
 * the partition gave up at or before it (`retryFrom`): then it is left.
 */
export function partitionStats(prepared: readonly PreparedRecord[], dispositions: ReadonlyMap<number, Disposition>, counts: CommitCounts, retryFrom: number | undefined): PartitionStats {
  const tally = { applied: 0, duplicates: 0, late: 0, lateForSomeViews: 0, failed: 0, skipped: 0, uncommitted: 0 };
  for (const p of prepared) {
    const disposition = dispositions.get(p.record.offset);
    if (disposition === undefined) {
      if (retryFrom !== undefined && p.record.offset >= retryFrom) tally.uncommitted += 1;
      else tally.skipped += 1;
    } else if (disposition.kind === 'applied') {
      tally.applied += 1;
      if (disposition.late !== undefined) tally.lateForSomeViews += 1;
    } else if (disposition.kind === 'duplicate') tally.duplicates += 1;
    else if (disposition.reason === 'LATE_EVENT') tally.late += 1;
    else tally.failed += 1;
  }
  return {
    received: prepared.length,
    applied: tally.applied,
    skippedByCheckpoint: tally.skipped,
    duplicates: tally.duplicates,
    rejected: { LATE_EVENT: tally.late, PROCESSING_ERROR: tally.failed },
    lateForSomeViews: tally.lateForSomeViews,
    uncommitted: tally.uncommitted,
    ...counts,
  };
}
