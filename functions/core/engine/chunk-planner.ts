import type { StateStore } from '../state/state-store.js';
import { directIds } from './chunk-item-ids.js';
import { ChunkReads } from './chunk-reads.js';
import type { ProcessorDefinition } from './definition.js';
import { ProcessingError } from './errors.js';
import type { CachedPartition, PartitionCursor } from './partition-state-cache.js';
import { planChunk, type ChunkPlan } from './plan-chunk.js';
import type { PreparedRecord } from './prepared-record.js';
import { overBudget } from './transaction-budget.js';

export type PlannedWrites = Extract<ChunkPlan, { kind: 'planned' }>;

/** A chunk's plan, and what it was made on. */
export interface PlannedChunk {
  readonly plan: PlannedWrites;
  readonly reads: ChunkReads;
}

export interface ChunkPlanning {
  readonly definition: ProcessorDefinition;
  readonly store: StateStore;
  readonly topic: string;
  readonly partition: number;
  readonly cursor: PartitionCursor;
  /** What the partition's last commit left in this process, read instead of the store. */
  readonly cached: CachedPartition | undefined;
  /** The highest offset of the batch: a chunk that ends the pending records takes the checkpoint through it. */
  readonly batchEnd: { readonly lastPending: number; readonly lastOffset: number };
  /** Processing time, read for each plan. */
  readonly now: () => number;
  readonly panePartBytes?: number;
  /** Marks a record failed for good, returning it as failed: a user function threw, or it would overfill an item. */
  readonly fail: (record: PreparedRecord, error: Error) => PreparedRecord;
}

/**
 * Plans a chunk, reading what it needs. A record the plan fails is failed
 * and the chunk planned again; a chunk whose writes would not fit one
 * transaction is halved, down to one record, which then fails.
 */
export async function planChunkWithReads(first: readonly [PreparedRecord, ...PreparedRecord[]], planning: ChunkPlanning): Promise<PlannedChunk> {
  const reads = new ChunkReads(planning.store, planning.cached);
  await reads.read(first.flatMap((p) => directIds(planning.definition, p)));
  let chunk = first;
  for (;;) {
    const plan = planOnce(chunk, reads, planning);
    if (plan.kind === 'needs-reads') {
      await reads.read(plan.ids);
      continue;
    }
    if (plan.kind === 'record-failed') {
      chunk = replace(chunk, plan.record, planning.fail(plan.record, plan.error));
      continue;
    }
    const excess = overBudget(plan);
    if (excess === undefined) return { plan, reads };
    if (chunk.length > 1) chunk = chunk.slice(0, Math.ceil(chunk.length / 2)) as [PreparedRecord, ...PreparedRecord[]];
    else {
      const [only] = chunk;
      chunk = [planning.fail(only, new ProcessingError(`Applying offset ${only.record.offset} would make a state item larger than DynamoDB allows (${excess})`))];
    }
  }
}

function planOnce(chunk: readonly [PreparedRecord, ...PreparedRecord[]], reads: ChunkReads, planning: ChunkPlanning): ChunkPlan {
  const last = chunk[chunk.length - 1] as PreparedRecord;
  const { lastPending, lastOffset } = planning.batchEnd;
  return planChunk({
    definition: planning.definition,
    topic: planning.topic,
    partition: planning.partition,
    records: chunk,
    checkpoint: planning.cursor.checkpoint,
    metaExists: planning.cursor.metaExists,
    throughOffset: last.record.offset === lastPending ? Math.max(last.record.offset, lastOffset) : last.record.offset,
    state: reads.state,
    readKeys: reads.readKeys,
    now: planning.now(),
    panePartBytes: planning.panePartBytes,
  });
}

function replace(chunk: readonly [PreparedRecord, ...PreparedRecord[]], record: PreparedRecord, by: PreparedRecord): [PreparedRecord, ...PreparedRecord[]] {
  return chunk.map((p) => (p.record.offset === record.record.offset ? by : p)) as [PreparedRecord, ...PreparedRecord[]];
}
