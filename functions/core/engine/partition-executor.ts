import type { PartitionInput, RejectedRecord } from '../processing/partition-contract.js';
import { backoffDelay, sleep as defaultSleep } from '../retry/backoff.js';
import type { CheckpointBody } from '../state/state-items.js';
import { StateStoreUnavailableError, TRANSACTION_LIMITS, type ItemWrite, type StateStore, type StoredItem } from '../state/state-store.js';
import { idKey, isPartitionOwned, itemIds, type ItemId } from '../state/table-layout.js';
import type { ProcessorDefinition } from './definition.js';
import { directIds, planChunk, RecordFailure, type Disposition } from './plan-chunk.js';
import type { PartitionCursor, PartitionStateCache } from './partition-state-cache.js';
import { prepareRecord, type PreparedRecord } from './prepared-record.js';

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

export interface PartitionResult {
  readonly stats: PartitionStats;
  readonly rejected: readonly RejectedRecord[];
  /** Set when the partition gave up: the first record not committed. */
  readonly retryFromOffset?: number;
  /** Why it gave up. */
  readonly error?: Error;
}

/** Every write but the checkpoint and meta must fit next to them; sizes are estimated with headroom. */
const ITEM_BUDGET = TRANSACTION_LIMITS.maxItems - 2;
const MAX_ITEM_BYTES = 380_000;
const ITEM_OVERHEAD_BYTES = 200;

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
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? defaultSleep;
  const maxAttempts = deps.maxAttempts ?? 8;
  const { definition, store } = deps;
  let prepared = input.records.map((record) => prepareRecord(definition, record));
  const dispositions = new Map<number, Disposition>();
  const deadLettered = new Set<number>();
  const returned: RejectedRecord[] = [];
  let failures = 0;
  let commits = 0;
  let itemsWritten = 0;
  let conflicts = 0;
  // Where a partition handed back resumes: never past a checkpoint merely remembered.
  let confirmedFence = -1;

  const { cache } = deps;
  let cached = cache?.get(input.topic, input.partition);
  const firstOffset = input.records[0]?.offset;
  if (cached !== undefined && firstOffset !== undefined && firstOffset > (cached.cursor.checkpoint?.body.offset ?? -1) + 1) {
    // Records between the remembered checkpoint and this batch were committed elsewhere (another process,
    // a zombie): the remembered state misses what they did, their event times above all, and a pane
    // written on a watermark that low could take a late record before the checkpoint's condition fails.
    cache?.forget(input.topic, input.partition);
    cached = undefined;
  }
  let cursor: PartitionCursor | undefined = cached?.cursor;
  // A remembered checkpoint is confirmed by a read, or by a commit conditioned on its revision.
  let cursorConfirmed = cursor === undefined;
  for (;;) {
    if (cursor === undefined) {
      try {
        cursor = await readCursor(store, input.topic, input.partition);
        cursorConfirmed = true;
      } catch (error) {
        if (!(error instanceof StateStoreUnavailableError) || ++failures >= maxAttempts) return giveUp(error);
        await sleep(backoff(failures));
        continue;
      }
    }
    const fence = cursor.checkpoint?.body.offset ?? -1;
    if (cursorConfirmed) confirmedFence = fence;
    const pending = prepared.filter((p) => p.record.offset > fence && !dispositions.has(p.record.offset));
    if (pending.length === 0) {
      // Skipping records acknowledges them: only on a confirmed checkpoint, never on one merely remembered.
      if (cursorConfirmed) break;
      readAfresh();
      continue;
    }

    const chunk = takeChunk(definition, pending);
    try {
      const planned = await planWithReads(chunk, pending, cursor);
      if (planned === 'retry') continue;
      const { plan } = planned;
      // Remembered state (an item, or the checkpoint the watermark comes from) backs only what gets written on it.
      if ((planned.fromCache || !cursorConfirmed) && !plan.dispositions.every(({ disposition }) => disposition.kind === 'applied' && disposition.late === undefined)) {
        readAfresh();
        continue;
      }
      const rejected = plan.dispositions.flatMap(({ record, disposition }) => {
        if (deadLettered.has(record.record.offset)) return [];
        if (disposition.kind === 'rejected') return [{ record: record.record, reason: disposition.reason, error: disposition.error }];
        if (disposition.kind === 'applied' && disposition.late !== undefined) return [{ record: record.record, reason: 'LATE_EVENT' as const, error: disposition.late }];
        return [];
      });
      if (rejected.length > 0) {
        if (deps.deadLetter === undefined) returned.push(...rejected);
        else await deps.deadLetter(rejected);
        for (const r of rejected) deadLettered.add(r.record.offset);
      }
      // The partition's own items first, each alone: a crash or a lost condition after some of them leaves
      // them ahead of the checkpoint, and the re-plan skips in each the records it already holds.
      // Dedup claims before anything that applies a record: a claim lost to another partition makes the
      // re-plan find the event a duplicate before this partition changed anything for it.
      const claimed = await Promise.all(plan.claims.map((write) => store.write(write)));
      const ownWritten = claimed.every(Boolean) ? await Promise.all(plan.ownWrites.map((chain) => writeInOrder(store, chain))) : [false];
      const outcome = ownWritten.every(Boolean) ? await store.commit(plan.writes) : { committed: false };
      if (!outcome.committed) {
        conflicts += 1;
        readAfresh();
        if (++failures >= maxAttempts) return giveUp(new Error(`lost ${failures} conditions in a row`));
        await sleep(backoff(failures) / 4);
        continue;
      }
      commits += 1;
      const written = plan.claims.length + plan.ownWrites.flat().length + plan.writes.length;
      itemsWritten += written;
      failures = 0;
      for (const { record, disposition } of plan.dispositions) dispositions.set(record.record.offset, disposition);
      deps.onCommit?.({
        topic: input.topic,
        partition: input.partition,
        throughOffset: plan.checkpoint.offset,
        itemsWritten: written,
        dispositions: plan.dispositions.map(({ record, disposition }) => ({ offset: record.record.offset, disposition })),
      });
      cursor = {
        checkpoint: { id: itemIds.checkpoint(input.topic, input.partition), rev: (cursor.checkpoint?.rev ?? 0) + 1, body: plan.checkpoint },
        metaExists: true,
      };
      cursorConfirmed = true;
      if (cache !== undefined) {
        cache.remember(input.topic, input.partition, cursor, ownItemsAfter(planned.readIds, planned.state, plan.ownWrites.flat()));
        cached = cache.get(input.topic, input.partition);
      }
    } catch (error) {
      readAfresh();
      if (error instanceof StateStoreUnavailableError) {
        if (++failures >= maxAttempts) return giveUp(error);
        await sleep(backoff(failures));
        continue;
      }
      throw error;
    }
  }
  return { stats: stats(undefined), rejected: returned };

  /** Drops what is remembered of the partition: the next attempt reads its cursor and items. */
  function readAfresh(): void {
    cursor = undefined;
    cached = undefined;
    cache?.forget(input.topic, input.partition);
  }

  /** Plans a chunk, reading what it needs; shrinks it when it would not fit one transaction. */
  async function planWithReads(
    initial: PreparedRecord[],
    pending: PreparedRecord[],
    at: PartitionCursor,
  ): Promise<{ plan: Extract<ReturnType<typeof planChunk>, { kind: 'planned' }>; readIds: ReadonlyMap<string, ItemId>; state: ReadonlyMap<string, StoredItem>; fromCache: boolean } | 'retry'> {
    let chunk = initial;
    const state = new Map<string, StoredItem>();
    const readKeys = new Set<string>();
    const readIds = new Map<string, ItemId>();
    let fromCache = false;
    const read = async (ids: readonly ItemId[]): Promise<void> => {
      // Many records name the same pane or key: each is read once.
      const unread = [...new Map(ids.filter((id) => !readKeys.has(idKey(id))).map((id) => [idKey(id), id])).values()];
      const wanted: ItemId[] = [];
      for (const id of unread) {
        const key = idKey(id);
        readIds.set(key, id);
        const remembered = cached?.items.get(key);
        if (remembered !== undefined) state.set(key, remembered);
        if (remembered !== undefined || cached?.absent.has(key) === true) {
          readKeys.add(key);
          fromCache = true;
        } else wanted.push(id);
      }
      if (wanted.length === 0) return;
      for (const [key, item] of await store.read(wanted)) state.set(key, item);
      for (const id of wanted) readKeys.add(idKey(id));
    };
    await read(chunk.flatMap((p) => directIds(definition, p)));
    for (;;) {
      const last = chunk.at(-1);
      if (last === undefined) return 'retry';
      // By offset: a record that failed while planning is a new object by now.
      const throughOffset = last.record.offset === pending.at(-1)?.record.offset ? Math.max(last.record.offset, input.lastOffset) : last.record.offset;
      let plan;
      try {
        plan = planChunk({
          definition,
          topic: input.topic,
          partition: input.partition,
          records: chunk,
          checkpoint: at.checkpoint,
          metaExists: at.metaExists,
          throughOffset,
          state,
          readKeys,
          now: now(),
          ...(deps.panePartBytes === undefined ? {} : { panePartBytes: deps.panePartBytes }),
        });
      } catch (error) {
        if (!(error instanceof RecordFailure)) throw error;
        const failed = error.prepared.record.offset;
        prepared = prepared.map((p) => (p.record.offset === failed ? { record: p.record, perView: [], failure: error.failure } : p));
        chunk = chunk.map((p) => (p.record.offset === failed ? { record: p.record, perView: [], failure: error.failure } : p));
        continue;
      }
      if (plan.kind === 'needs-reads') {
        await read(plan.ids);
        continue;
      }
      const oversized = [...plan.writes, ...plan.ownWrites.flat()].find((w) => estimateBytes(w) > MAX_ITEM_BYTES);
      const total = plan.writes.reduce((sum, w) => sum + estimateBytes(w), 0);
      if (plan.writes.length > TRANSACTION_LIMITS.maxItems || total > TRANSACTION_LIMITS.maxBytes || oversized !== undefined) {
        if (chunk.length > 1) {
          chunk = chunk.slice(0, Math.ceil(chunk.length / 2));
          continue;
        }
        const only = chunk[0] as PreparedRecord;
        const failure = new Error(
          `Applying offset ${only.record.offset} would make a state item larger than DynamoDB allows (${oversized === undefined ? `${total} bytes in the transaction, over the ${TRANSACTION_LIMITS.maxBytes}-byte limit` : `${estimateBytes(oversized)} bytes in ${oversized.id.pk}, over the ${MAX_ITEM_BYTES}-byte limit per item`})`,
        );
        prepared = prepared.map((p) => (p === only ? { record: p.record, perView: [], failure } : p));
        chunk = [{ record: only.record, perView: [], failure }];
        continue;
      }
      return { plan, readIds, state, fromCache };
    }
  }

  function giveUp(cause: unknown): PartitionResult {
    readAfresh();
    const first = prepared.find((p) => p.record.offset > confirmedFence && !dispositions.has(p.record.offset));
    const result = stats(first?.record.offset);
    const error = cause instanceof Error ? cause : new Error(String(cause));
    return first === undefined
      ? { stats: result, rejected: returned }
      : { stats: result, rejected: returned, retryFromOffset: first.record.offset, error };
  }

  function stats(retryFrom: number | undefined): PartitionStats {
    let applied = 0;
    let duplicates = 0;
    let late = 0;
    let lateForSomeViews = 0;
    let failed = 0;
    let skipped = 0;
    let uncommitted = 0;
    for (const p of prepared) {
      const disposition = dispositions.get(p.record.offset);
      if (disposition === undefined) {
        if (retryFrom !== undefined && p.record.offset >= retryFrom) uncommitted += 1;
        else skipped += 1;
      } else if (disposition.kind === 'applied') {
        applied += 1;
        if (disposition.late !== undefined) lateForSomeViews += 1;
      }
      else if (disposition.kind === 'duplicate') duplicates += 1;
      else if (disposition.reason === 'LATE_EVENT') late += 1;
      else failed += 1;
    }
    return {
      received: prepared.length,
      applied,
      skippedByCheckpoint: skipped,
      duplicates,
      rejected: { LATE_EVENT: late, PROCESSING_ERROR: failed },
      lateForSomeViews,
      uncommitted,
      commits,
      itemsWritten,
      conflicts,
    };
  }
}

/** The partition's own items as a commit left them: as read, or as written (`undefined` when deleted or absent). */
function ownItemsAfter(readIds: ReadonlyMap<string, ItemId>, state: ReadonlyMap<string, StoredItem>, ownWrites: readonly ItemWrite[]): Map<string, StoredItem | undefined> {
  const after = new Map<string, StoredItem | undefined>();
  for (const [key, id] of readIds) if (isPartitionOwned(id)) after.set(key, state.get(key));
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

/** The longest prefix of `pending` whose directly named items fit one transaction. */
function takeChunk(definition: ProcessorDefinition, pending: readonly PreparedRecord[]): PreparedRecord[] {
  const ids = new Set<string>();
  const chunk: PreparedRecord[] = [];
  for (const record of pending) {
    // Panes and rollup shares are written on their own, outside the transaction's item limit.
    const direct = directIds(definition, record)
      .filter((id) => !isPartitionOwned(id))
      .map(idKey);
    const added = direct.filter((k) => !ids.has(k)).length;
    if (chunk.length > 0 && ids.size + added > ITEM_BUDGET) break;
    for (const k of direct) ids.add(k);
    chunk.push(record);
  }
  return chunk;
}

function estimateBytes(write: ItemWrite): number {
  return ITEM_OVERHEAD_BYTES + write.id.pk.length + write.id.sk.length + (write.body === null ? 0 : JSON.stringify(write.body).length);
}

/** Waits before trying a partition again: 50 ms, 100 ms, ... up to 2 s, jittered. */
function backoff(attempt: number): number {
  return backoffDelay(attempt, { baseMs: 50, capMs: 2_000 });
}
