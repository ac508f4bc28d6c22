import type { PartitionInput, RejectedRecord } from '../processing/partition-contract.js';
import { backoffDelay, sleep as defaultSleep } from '../retry/backoff.js';
import type { CheckpointBody } from '../state/state-items.js';
import { type ItemWrite, type StateStore, type StoredItem } from '../state/state-store.js';
import { StateStoreUnavailableError } from '../state/errors.js';
import { idKey, isPartitionOwned, itemIds } from '../state/table-layout.js';
import { planChunkWithReads, type PlannedChunk, type PlannedWrites } from './chunk-planner.js';
import type { ProcessorDefinition } from './definition.js';
import { PartitionCommitError } from './errors.js';
import type { CachedPartition, PartitionCursor, PartitionStateCache } from './partition-state-cache.js';
import { partitionStats, type PartitionStats } from './partition-stats.js';
import type { Disposition } from './plan-chunk.js';
import { prepareRecord, type PreparedRecord } from './prepared-record.js';
import { takeChunk } from './transaction-budget.js';

export interface PartitionExecutorDeps {
  readonly definition: ProcessorDefinition;
  readonly store: StateStore;
  /** Processing time, epoch millis. @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Tries after a lost condition or an unavailable store before the partition is handed back for redelivery. @default 8 */
  readonly maxAttempts?: number;
  /** Dead-letters records before the commit that moves past them. @default none: rejections are returned */
  readonly deadLetter?: (rejected: readonly RejectedRecord[]) => Promise<void>;
  /** Told what each commit decided, as soon as it is durable (for accounting and metrics). */
  readonly onCommit?: (committed: CommittedChunk) => void;
  /** What earlier invocations in this process committed, to plan from instead of reading. @default none: every invocation reads */
  readonly cache?: PartitionStateCache;
  /** Size at which a window pane's part is full and the pane goes on in a new part. @default PANE_PART_BYTES (32 000) */
  readonly panePartBytes?: number;
}

export interface CommittedChunk {
  readonly topic: string;
  readonly partition: number;
  readonly throughOffset: number;
  readonly itemsWritten: number;
  readonly dispositions: ReadonlyArray<{ readonly offset: number; readonly disposition: Disposition }>;
}

export interface PartitionResult {
  readonly stats: PartitionStats;
  readonly rejected: readonly RejectedRecord[];
  /** Set when the partition gave up: the first record not committed. */
  readonly retryFromOffset?: number;
  /** Why it gave up. */
  readonly error?: Error;
}

/**
 * Applies one partition's records to state exactly once.
 *
 * The checkpoint holds the highest applied offset: records at or below it
 * are skipped. The rest are folded in chunks. A chunk's window panes are
 * this partition's alone and are written one by one, each conditioned on
 * the revision read and carrying the offset it holds records through;
 * then the checkpoint, with any items that several partitions share, in
 * one transaction (or one plain write when it is alone), conditioned on
 * every item still being at the revision read. Losing a condition means another
 * invocation (a retry, or a timed-out zombie) moved first: re-read, skip
 * what it committed, and go on. Rejected records are dead-lettered before
 * the commit that moves past them, so none is lost if the invocation dies
 * right after.
 *
 * With a cache, the cursor and the partition's own items its last commit
 * left are planned from without reading them. Each item the plan changes
 * is still written on the revision remembered, so a stale entry loses a
 * condition like any other; a plan that decided anything it does not write
 * (records skipped at the checkpoint, a duplicate, a late record, a
 * failure) is made again on fresh reads before anything is written.
 */
export async function executePartition(input: PartitionInput, deps: PartitionExecutorDeps): Promise<PartitionResult> {
  return new PartitionRun(input, deps).run();
}

/** What one step of a run came to. */
type Step =
  /** Go on at once: a chunk committed, or state must be read afresh. */
  | { readonly kind: 'again' }
  /** Every record is decided, on a confirmed checkpoint. */
  | { readonly kind: 'done' }
  /** Try again after a pause, unless this was the last attempt. */
  | { readonly kind: 'retry'; readonly cause: () => Error; readonly pauseScale: number }
  /** Hand the partition back now, from the first record not decided. */
  | { readonly kind: 'give-up'; readonly cause: Error };

const AGAIN: Step = { kind: 'again' };
const DONE: Step = { kind: 'done' };

/** One call of executePartition: the records, what was decided for each, and where the partition stands. */
class PartitionRun {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private prepared: PreparedRecord[];
  private readonly dispositions = new Map<number, Disposition>();
  private readonly deadLettered = new Set<number>();
  private readonly returned: RejectedRecord[] = [];
  private counts = { commits: 0, itemsWritten: 0, conflicts: 0 };
  private failures = 0;
  /** Where a partition handed back resumes: never past a checkpoint merely remembered. */
  private confirmedFence = -1;
  private cached: CachedPartition | undefined;
  private cursor: PartitionCursor | undefined;
  /** A remembered checkpoint is confirmed by a read, or by a commit conditioned on its revision. */
  private cursorConfirmed: boolean;

  public constructor(
    private readonly input: PartitionInput,
    private readonly deps: PartitionExecutorDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? defaultSleep;
    this.maxAttempts = deps.maxAttempts ?? 8;
    this.prepared = input.records.map((record) => prepareRecord(deps.definition, record));
    this.cached = this.usableCache();
    this.cursor = this.cached?.cursor;
    this.cursorConfirmed = this.cursor === undefined;
  }

  public async run(): Promise<PartitionResult> {
    for (;;) {
      const step = await this.stepOrRetry();
      if (step.kind === 'done') return { stats: this.stats(undefined), rejected: this.returned };
      if (step.kind === 'again') continue;
      if (step.kind === 'give-up') return this.giveUp(step.cause);
      if (++this.failures >= this.maxAttempts) return this.giveUp(step.cause());
      await this.sleep(backoff(this.failures) * step.pauseScale);
    }
  }

  /** One step; an unavailable store is a retry, any other error ends the run. */
  private async stepOrRetry(): Promise<Step> {
    try {
      return await this.step();
    } catch (error) {
      this.readAfresh();
      if (error instanceof StateStoreUnavailableError) return { kind: 'retry', cause: () => error, pauseScale: 1 };
      throw error;
    }
  }

  /** Read the cursor, plan a chunk, dead-letter what it rejects, commit it, account for it. */
  private async step(): Promise<Step> {
    const read = await this.readCursor();
    if (read.kind === 'give-up') return read;
    const { cursor } = read;
    const pending = this.pendingAbove(cursor);
    if (pending.length === 0) {
      // Skipping records acknowledges them: only on a confirmed checkpoint, never on one merely remembered.
      return this.cursorConfirmed ? DONE : this.readAfresh();
    }
    const planned = await this.planChunk(pending, cursor);
    if (!this.mayWrite(planned)) return this.readAfresh();
    await this.deadLetter(planned.plan);
    const written = await commitChunk(this.deps.store, planned.plan);
    if (!written) return this.lostCondition();
    this.account(planned, cursor);
    return AGAIN;
  }

  /**
   * The cursor as known, or as read when not. A read the store refuses for
   * good (not merely unavailable, which is retried) hands the partition back
   * at once: nothing can be decided without the checkpoint.
   */
  private async readCursor(): Promise<{ readonly kind: 'read'; readonly cursor: PartitionCursor } | Extract<Step, { kind: 'give-up' }>> {
    if (this.cursor === undefined) {
      try {
        this.cursor = await readCursor(this.deps.store, this.input.topic, this.input.partition);
      } catch (error) {
        if (error instanceof StateStoreUnavailableError) throw error;
        return { kind: 'give-up', cause: error instanceof Error ? error : new PartitionCommitError(String(error)) };
      }
      this.cursorConfirmed = true;
    }
    if (this.cursorConfirmed) this.confirmedFence = fenceOf(this.cursor);
    return { kind: 'read', cursor: this.cursor };
  }

  /** The records above the checkpoint not decided yet, in offset order. */
  private pendingAbove(cursor: PartitionCursor): PreparedRecord[] {
    const fence = fenceOf(cursor);
    return this.prepared.filter((p) => p.record.offset > fence && !this.dispositions.has(p.record.offset));
  }

  private planChunk(pending: readonly PreparedRecord[], cursor: PartitionCursor): Promise<PlannedChunk> {
    const { definition, store, panePartBytes } = this.deps;
    const chunk = takeChunk(definition, pending) as [PreparedRecord, ...PreparedRecord[]];
    return planChunkWithReads(chunk, {
      definition,
      store,
      topic: this.input.topic,
      partition: this.input.partition,
      cursor,
      cached: this.cached,
      batchEnd: { lastPending: (pending.at(-1) as PreparedRecord).record.offset, lastOffset: this.input.lastOffset },
      now: this.now,
      panePartBytes,
      fail: (record, error) => this.fail(record, error),
    });
  }

  /** A record failed for good: it is rejected in every plan from now on. */
  private fail(record: PreparedRecord, failure: Error): PreparedRecord {
    const failed: PreparedRecord = { record: record.record, perView: [], failure };
    this.prepared = this.prepared.map((p) => (p.record.offset === record.record.offset ? failed : p));
    return failed;
  }

  /** Remembered state (an item, or the checkpoint the watermark comes from) backs only what gets written on it. */
  private mayWrite({ plan, reads }: PlannedChunk): boolean {
    if (!reads.fromCache && this.cursorConfirmed) return true;
    return plan.dispositions.every(({ disposition }) => disposition.kind === 'applied' && disposition.late === undefined);
  }

  /** Dead-letters what the plan rejects, each record once however often it is planned, before the commit that passes it. */
  private async deadLetter(plan: PlannedWrites): Promise<void> {
    const rejected = plan.dispositions.flatMap(({ record, disposition }): RejectedRecord[] => {
      if (this.deadLettered.has(record.record.offset)) return [];
      if (disposition.kind === 'rejected') return [{ record: record.record, reason: disposition.reason, error: disposition.error }];
      if (disposition.kind === 'applied' && disposition.late !== undefined) return [{ record: record.record, reason: 'LATE_EVENT', error: disposition.late }];
      return [];
    });
    if (rejected.length === 0) return;
    if (this.deps.deadLetter === undefined) this.returned.push(...rejected);
    else await this.deps.deadLetter(rejected);
    for (const r of rejected) this.deadLettered.add(r.record.offset);
  }

  private lostCondition(): Step {
    this.counts.conflicts += 1;
    this.readAfresh();
    return { kind: 'retry', cause: () => new PartitionCommitError(`lost ${this.failures} conditions in a row`), pauseScale: 1 / 4 };
  }

  /** Records what a commit decided, tells `onCommit`, and remembers where the partition now stands. */
  private account({ plan, reads }: PlannedChunk, before: PartitionCursor): void {
    const { topic, partition } = this.input;
    const written = plan.claims.length + plan.ownWrites.flat().length + plan.writes.length;
    this.counts = { ...this.counts, commits: this.counts.commits + 1, itemsWritten: this.counts.itemsWritten + written };
    this.failures = 0;
    for (const { record, disposition } of plan.dispositions) this.dispositions.set(record.record.offset, disposition);
    this.deps.onCommit?.({
      topic,
      partition,
      throughOffset: plan.checkpoint.offset,
      itemsWritten: written,
      dispositions: plan.dispositions.map(({ record, disposition }) => ({ offset: record.record.offset, disposition })),
    });
    this.cursor = { checkpoint: { id: itemIds.checkpoint(topic, partition), rev: (before.checkpoint?.rev ?? 0) + 1, body: plan.checkpoint }, metaExists: true };
    this.cursorConfirmed = true;
    const { cache } = this.deps;
    if (cache === undefined) return;
    cache.remember(topic, partition, this.cursor, ownItemsAfter(reads, plan.ownWrites.flat()));
    this.cached = cache.get(topic, partition);
  }

  /** Drops what is remembered of the partition: the next attempt reads its cursor and items. */
  private readAfresh(): Step {
    this.cursor = undefined;
    this.cached = undefined;
    this.deps.cache?.forget(this.input.topic, this.input.partition);
    return AGAIN;
  }

  /**
   * The cache's entry for the partition, unless records between the remembered checkpoint and this batch
   * were committed elsewhere (another process, a zombie): the remembered state misses what they did, their
   * event times above all, and a pane written on a watermark that low could take a late record before the
   * checkpoint's condition fails.
   */
  private usableCache(): CachedPartition | undefined {
    const { cache } = this.deps;
    const cached = cache?.get(this.input.topic, this.input.partition);
    const firstOffset = this.input.records[0]?.offset;
    if (cached === undefined || firstOffset === undefined || firstOffset <= fenceOf(cached.cursor) + 1) return cached;
    cache?.forget(this.input.topic, this.input.partition);
    return undefined;
  }

  private giveUp(cause: Error): PartitionResult {
    this.readAfresh();
    const first = this.prepared.find((p) => p.record.offset > this.confirmedFence && !this.dispositions.has(p.record.offset));
    const stats = this.stats(first?.record.offset);
    return first === undefined ? { stats, rejected: this.returned } : { stats, rejected: this.returned, retryFromOffset: first.record.offset, error: cause };
  }

  private stats(retryFrom: number | undefined): PartitionStats {
    return partitionStats(this.prepared, this.dispositions, this.counts, retryFrom);
  }
}

/**
 * Writes a chunk: its dedup claims, then the partition's own items, then
 * the checkpoint's transaction, stopping at the first lost condition.
 * The partition's own items go first, each alone: a crash or a lost
 * condition after some of them leaves them ahead of the checkpoint, and
 * the re-plan skips in each the records it already holds. Claims go before
 * anything that applies a record: a claim lost to another partition makes
 * the re-plan find the event a duplicate before this partition changed
 * anything for it. Whether it all committed.
 */
async function commitChunk(store: StateStore, plan: PlannedWrites): Promise<boolean> {
  const claimed = await Promise.all(plan.claims.map((write) => store.write(write)));
  if (!claimed.every(Boolean)) return false;
  const ownWritten = await Promise.all(plan.ownWrites.map((chain) => writeInOrder(store, chain)));
  if (!ownWritten.every(Boolean)) return false;
  return (await store.commit(plan.writes)).committed;
}

/** The partition's own items as a commit left them: as read, or as written (`undefined` when deleted or absent). */
function ownItemsAfter(reads: PlannedChunk['reads'], ownWrites: readonly ItemWrite[]): Map<string, StoredItem | undefined> {
  const after = new Map<string, StoredItem | undefined>();
  for (const [key, id] of reads.readIds) if (isPartitionOwned(id)) after.set(key, reads.state.get(key));
  for (const write of ownWrites) after.set(idKey(write.id), write.body === null ? undefined : { id: write.id, rev: write.expectedRev + 1, body: write.body });
  return after;
}

/** Writes one after another, stopping at the first that loses its condition: whether all were written. */
async function writeInOrder(store: StateStore, writes: readonly ItemWrite[]): Promise<boolean> {
  for (const write of writes) if (!(await store.write(write))) return false;
  return true;
}

async function readCursor(store: StateStore, topic: string, partition: number): Promise<PartitionCursor> {
  const checkpointId = itemIds.checkpoint(topic, partition);
  const found = await store.read([checkpointId, itemIds.meta()]);
  return {
    checkpoint: found.get(idKey(checkpointId)) as StoredItem<CheckpointBody> | undefined,
    metaExists: found.has(idKey(itemIds.meta())),
  };
}

function fenceOf(cursor: PartitionCursor): number {
  return cursor.checkpoint?.body.offset ?? -1;
}

/** Waits before trying a partition again: 50 ms, 100 ms, ... up to 2 s, jittered. */
function backoff(attempt: number): number {
  return backoffDelay(attempt, { baseMs: 50, capMs: 2_000 });
}
