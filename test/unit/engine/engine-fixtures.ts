import type { ChangeEvent } from '../../../functions/core/cdc/change-event.js';
import { executePartition, type PartitionExecutorDeps, type PartitionResult } from '../../../functions/core/engine/partition-executor.js';
import type { DecodedRecord, RejectedRecord } from '../../../functions/core/processing/partition-contract.js';
import { rollupKey, rollupTotals, type RollupTotal } from '../../../functions/core/state/rollup-totals.js';
import type { WindowEmission, WindowEmitter } from '../../../functions/core/emit/window-emitter.js';
import { defineProcessor, type Aggregate, type ProcessorDefinition, type WindowSpec } from '../../../functions/core/engine/definition.js';
import type { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { CheckpointBody, FinalWindowBody, KeyWindowsBody, ProjectionBody, StateBody, WindowPaneBody } from '../../../functions/core/state/state-items.js';
import type { CommitOutcome, ItemWrite, StateStore, StoredItem } from '../../../functions/core/state/state-store.js';
import { idKey, itemIds, type ItemId } from '../../../functions/core/state/table-layout.js';
import { finalWindowResults } from '../../../functions/core/state/window-results.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';

/** Processing time the engine tests run at, epoch millis. */
export const NOW = 1_800_000_000_000;

export const TOPIC = 'sales';

/** A decoded JSON record of `topic`/`partition` at `offset`, the way the record decoder hands it to a processor. */
export function decoded<T>(offset: number, value: T, where: { topic?: string; partition?: number } = {}): DecodedRecord<T> {
  const topic = where.topic ?? TOPIC;
  const partition = where.partition ?? 0;
  const source = kafkaRecord({ topic, partition, offset, value: Buffer.from(JSON.stringify(value)) });
  return { topic, partition, offset, timestamp: source.timestamp, key: null, headers: [], format: 'json', value, source };
}

/** Values at consecutive offsets from `firstOffset`, on one partition. */
export function batch<T>(values: readonly T[], where: { firstOffset?: number; topic?: string; partition?: number } = {}): DecodedRecord<T>[] {
  return values.map((value, i) => decoded((where.firstOffset ?? 0) + i, value, where));
}

export interface Run {
  readonly result: PartitionResult;
  /** Everything handed to `deadLetter`, in call order. */
  readonly deadLettered: RejectedRecord[];
}

/** Runs one partition's records through the executor, with dead letters collected and no real waiting. */
export async function runPartition(
  deps: Omit<PartitionExecutorDeps, 'deadLetter'> & { readonly deadLetter?: PartitionExecutorDeps['deadLetter'] },
  records: readonly DecodedRecord[],
  options: { lastOffset?: number } = {},
): Promise<Run> {
  const first = records[0];
  const topic = first?.topic ?? TOPIC;
  const partition = first?.partition ?? 0;
  const deadLettered: RejectedRecord[] = [];
  const result = await executePartition(
    {
      topic,
      partition,
      topicPartition: `${topic}-${partition}`,
      records,
      poisonRecords: [],
      lastOffset: options.lastOffset ?? records.at(-1)?.offset ?? -1,
      deadLetter: () => Promise.reject(new Error('the executor must use deps.deadLetter')),
    },
    {
      now: () => NOW,
      sleep: () => Promise.resolve(),
      deadLetter: (rejected) => {
        deadLettered.push(...rejected);
        return Promise.resolve();
      },
      ...deps,
    },
  );
  return { result, deadLettered };
}

/** A store that counts the reads made through it: calls, and the items they ask for. */
export function countingReads(inner: StateStore): { store: StateStore; reads: () => number; itemsRead: () => number } {
  let reads = 0;
  let items = 0;
  const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
    read: (ids: Parameters<StateStore['read']>[0]) => {
      reads += 1;
      items += ids.length;
      return inner.read(ids);
    },
  });
  return { store, reads: () => reads, itemsRead: () => items };
}

export async function bodyOf<T extends StateBody>(store: StateStore, id: ItemId): Promise<T | undefined> {
  return (await store.read([id])).get(idKey(id))?.body as T | undefined;
}

export const checkpointOf = (store: StateStore, partition = 0, topic = TOPIC): Promise<CheckpointBody | undefined> =>
  bodyOf<CheckpointBody>(store, itemIds.checkpoint(topic, partition));

export const keyWindowsOf = (store: StateStore, view: string, key: string): Promise<KeyWindowsBody | undefined> =>
  bodyOf<KeyWindowsBody>(store, itemIds.keyWindows(view, key));

export const finalWindowOf = (store: StateStore, view: string, key: string, start: number, end: number): Promise<FinalWindowBody | undefined> =>
  bodyOf<FinalWindowBody>(store, itemIds.finalWindow(view, key, start, end));

export const projectionOf = (store: StateStore, view: string, key: string): Promise<ProjectionBody | undefined> =>
  bodyOf<ProjectionBody>(store, itemIds.projection(view, key));

/** A rollup group's sums over every partition's share, as a serving read adds them up; undefined when no partition has a share. */
export async function rollupOf(store: StateStore, view: string, rollup: string, group: string): Promise<RollupTotal | undefined> {
  const shares = await store.readPartition(itemIds.rollup(view, rollup, group, '', 0).pk);
  return rollupTotals(shares.map((item) => item.body)).get(rollupKey(view, rollup, group));
}

/** `[start, end, count]` of a key's open windows, oldest first. */
export async function openWindows(store: StateStore, view: string, key: string): Promise<Array<[number, number, number]>> {
  return ((await keyWindowsOf(store, view, key))?.windows ?? []).map((w) => [w.start, w.end, w.count]);
}

/** A row change as a CDC parser produces it, positioned by a plain number. */
export function change(op: 'upsert' | 'delete', key: string, position: number | bigint, row: Record<string, unknown> | null): ChangeEvent {
  return {
    op,
    key,
    row,
    position: BigInt(position),
    positionKind: 'postgres-lsn',
    sourceOperation: op === 'upsert' ? 'u' : 'd',
    table: 'public.stock',
  };
}

/**
 * Wraps a store to script what happens around commits: a hook runs before
 * each commit reaches the inner store (it may commit something else first,
 * or throw as an unavailable store would), and every commit the inner store
 * saw is recorded with its outcome.
 */
export class ScriptedStore implements StateStore {
  /** Every commit that reached the inner store, in order. */
  public readonly commits: Array<{ readonly writes: readonly ItemWrite[]; readonly committed: boolean }> = [];
  private attempts = 0;

  public constructor(
    private readonly inner: StateStore,
    private readonly beforeCommit: (attempt: number, writes: readonly ItemWrite[]) => Promise<void> | void = () => undefined,
    /** Shared with other recorders, to check what happened in which order. */
    public readonly events: string[] = [],
  ) {}

  public read(ids: readonly ItemId[]): Promise<ReadonlyMap<string, StoredItem>> {
    return this.inner.read(ids);
  }

  public async commit(writes: readonly ItemWrite[]): Promise<CommitOutcome> {
    this.attempts += 1;
    await this.beforeCommit(this.attempts, writes);
    const outcome = await this.inner.commit(writes);
    this.commits.push({ writes, committed: outcome.committed });
    this.events.push(outcome.committed ? 'commit' : 'commit lost');
    return outcome;
  }

  /** A single write counts as a commit of one item: scripted and recorded the same way. */
  public async write(write: ItemWrite): Promise<boolean> {
    return (await this.commit([write])).committed;
  }

  public readPartition(pk: string): Promise<StoredItem[]> {
    return this.inner.readPartition(pk);
  }

  public listCheckpoints(): Promise<Array<StoredItem<CheckpointBody>>> {
    return this.inner.listCheckpoints();
  }

  public findDueKeyWindows(closesAtOrBefore: number, limit: number): Promise<ItemId[]> {
    return this.inner.findDueKeyWindows(closesAtOrBefore, limit);
  }

  /** The writes of the commits that went through. */
  public get accepted(): Array<readonly ItemWrite[]> {
    return this.commits.filter((c) => c.committed).map((c) => c.writes);
  }
}

/** A sale of the window-closing tests: an id, a key and an event time. */
export interface Sale {
  readonly id: string;
  readonly key: string;
  readonly t: number;
}

export const sale = (id: string, t: number, key = 'store-1'): Sale => ({ id, key, t });

/**
 * Sales of topic 'sales' in one view, 'per-second': 1-second tumbling
 * windows per key, folded by `aggregate`; each id counted once within
 * `dedupHorizonMs` when it is given.
 */
export function perSecondSales<TAcc, TSale extends Sale = Sale>(
  aggregate: Aggregate<TSale, TAcc>,
  options: { name?: string; partitions?: number; dedupHorizonMs?: number } = {},
): ProcessorDefinition {
  return defineProcessor<TSale>({
    name: options.name ?? 'store-sales',
    input: { topics: [{ name: TOPIC, partitions: options.partitions ?? 1 }] },
    eventTime: (v) => v.t,
    ...(options.dedupHorizonMs === undefined ? {} : { dedup: { eventId: (v: TSale) => v.id, horizonMs: options.dedupHorizonMs } }),
    views: [{ kind: 'window', name: 'per-second', key: (v) => v.key, window: { type: 'tumbling', sizeMs: 1000 }, aggregate }],
  });
}

/** Sales counted per key in 1-second windows of topic 'sales', kept in panes (the aggregate merges); each id counted once with `dedup`. */
export function countedPerSecond(options: { partitions?: number; dedup?: boolean } = {}): ProcessorDefinition {
  const counted = { initial: () => 0, add: (n: number) => n + 1, merge: (a: number, b: number) => a + b };
  return perSecondSales(counted, { partitions: options.partitions, dedupHorizonMs: options.dedup === true ? 60_000 : undefined });
}

/**
 * Sales per store per second, kept as the sorted ids of the sales, so a
 * result names exactly what it counted. The aggregate merges, so the view
 * is kept in per-partition panes; with `perKey`, a fixed window's does not,
 * so it is kept per key (a session window's merges either way: it needs to).
 */
export function salesIdsPerSecond(
  options: { partitions?: number; allowedLatenessMs?: number; idleTimeoutMs?: number; window?: WindowSpec; dedup?: boolean; perKey?: boolean } = {},
): ProcessorDefinition {
  const merges = options.perKey !== true || options.window?.type === 'session';
  return defineProcessor<Sale>({
    name: 'store-sales',
    input: { topics: [{ name: 'sales', partitions: options.partitions ?? 1 }] },
    eventTime: (v) => v.t,
    ...(options.idleTimeoutMs === undefined ? {} : { watermark: { idleTimeoutMs: options.idleTimeoutMs } }),
    ...(options.dedup === true ? { dedup: { eventId: (v: Sale) => v.id, horizonMs: 86_400_000 } } : {}),
    views: [
      {
        kind: 'window',
        name: 'per-second',
        key: (v) => v.key,
        window: options.window ?? { type: 'tumbling', sizeMs: 1000 },
        allowedLatenessMs: options.allowedLatenessMs ?? 0,
        aggregate: {
          initial: (): string[] => [],
          add: (ids: string[], v) => [...ids, v.id].sort(),
          ...(merges ? { merge: (a: string[], b: string[]) => [...a, ...b].sort() } : {}),
        },
        emit: (closed) => ({ ids: closed.result, count: closed.count }),
      },
    ],
  });
}

/** Feeds sales to one partition of topic 'sales', at the next offsets after what it was fed before. */
export function feeder(definition: ProcessorDefinition, store: StateStore, clock: () => number = () => NOW) {
  const next = new Map<number, number>();
  return async (partition: number, sales: readonly Sale[], now = clock()) => {
    const firstOffset = next.get(partition) ?? 0;
    next.set(partition, firstOffset + sales.length);
    return runPartition({ definition, store, now: () => now }, batch(sales, { firstOffset, partition, topic: 'sales' }));
  };
}

/** An emitter that keeps every call, and fails each while `failing` is set, as SQS being down would. */
export class RecordingEmitter implements WindowEmitter {
  public readonly calls: WindowEmission[][] = [];

  public constructor(
    private readonly events: string[] = [],
    public failing = false,
  ) {}

  public emit(emissions: readonly WindowEmission[]): Promise<void> {
    this.events.push('emit');
    this.calls.push([...emissions]);
    return this.failing ? Promise.reject(new Error('SQS is down')) : Promise.resolve();
  }
}

/** Every final window result in the store, as [key, start, end, result, count], by start then key. */
export const windowResults = (store: InMemoryStateStore): Array<[string, number, number, unknown, number]> =>
  finalWindowResults(store.snapshot().map((i) => i.body))
    .map((w): [string, number, number, unknown, number] => [w.key, w.start, w.end, w.result, w.count])
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));

/** Every window pane in the store. */
export const windowPanes = (store: InMemoryStateStore): WindowPaneBody[] => store.snapshot().flatMap((i) => (i.body.kind === 'window-pane' ? [i.body] : []));
