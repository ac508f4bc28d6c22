import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition, type View } from '../../../functions/core/engine/definition.js';
import { LateEventError } from '../../../functions/core/engine/errors.js';
import { planChunk } from '../../../functions/core/engine/plan-chunk.js';
import { prepareRecord } from '../../../functions/core/engine/prepared-record.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { DedupBody, KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import type { StoredItem } from '../../../functions/core/state/state-store.js';
import { idKey, itemIds } from '../../../functions/core/state/table-layout.js';
import {
  batch,
  bodyOf,
  change,
  checkpointOf,
  decoded,
  keyWindowsOf,
  NOW,
  openWindows,
  projectionOf,
  rollupOf,
  runPartition,
  TOPIC,
} from './engine-fixtures.js';

interface Sale {
  readonly id: string;
  readonly key: string;
  readonly t: number;
  readonly amount: number;
  readonly vip?: boolean;
}

interface Totals {
  readonly total: number;
  readonly ids: string[];
  readonly merges: number;
}

const sale = (id: string, t: number, amount = 1, key = 'store-1'): Sale => ({ id, key, t, amount });

/**
 * Without merge, fixed windows keep one item per key (the per-key path these
 * tests pin down); sessions need merge and keep that path anyway. The
 * per-partition panes of views that can merge have tests of their own.
 */
const totals = {
  initial: (): Totals => ({ total: 0, ids: [], merges: 0 }),
  add: (acc: Totals, v: Sale): Totals => ({ total: acc.total + v.amount, ids: [...acc.ids, v.id], merges: acc.merges }),
};
const mergingTotals = {
  ...totals,
  merge: (a: Totals, b: Totals): Totals => ({ total: a.total + b.total, ids: [...a.ids, ...b.ids].sort(), merges: a.merges + b.merges + 1 }),
};

function salesProcessor(views: ReadonlyArray<View<Sale>>, extra: Partial<ProcessorDefinition<Sale>> = {}): ProcessorDefinition {
  return defineProcessor<Sale>({
    name: 'store-sales',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    eventTime: (v) => v.t,
    views,
    ...extra,
  });
}

const tumbling = (name: string, allowedLatenessMs = 0, key: (v: Sale) => string | undefined = (v) => v.key): View<Sale> => ({
  kind: 'window',
  name,
  key,
  window: { type: 'tumbling', sizeMs: 1000 },
  allowedLatenessMs,
  aggregate: totals,
});

async function resultOf(store: InMemoryStateStore, view: string, key: string, start: number): Promise<Totals | undefined> {
  return (await keyWindowsOf(store, view, key))?.windows.find((w) => w.start === start)?.acc as Totals | undefined;
}

describe('planChunk', () => {
  it('asks for every item the chunk names when none was read yet', () => {
    // Prepare
    const definition = salesProcessor([tumbling('per-second')], { dedup: { eventId: (v) => v.id, horizonMs: 60_000 } });
    const records = batch([sale('a', 1000, 1, 'store-1'), sale('b', 1100, 1, 'store-2')]).map((r) => prepareRecord(definition, r));

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records,
      checkpoint: undefined,
      metaExists: false,
      throughOffset: 1,
      state: new Map(),
      readKeys: new Set(),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('needs-reads');
    const ids = plan.kind === 'needs-reads' ? plan.ids.map(idKey).sort() : [];
    expect(ids).toEqual(
      [itemIds.dedup('a'), itemIds.dedup('b'), itemIds.keyWindows('per-second', 'store-1'), itemIds.keyWindows('per-second', 'store-2')].map(idKey).sort(),
    );
  });

  it('conditions each write on the revision read and moves the checkpoint to the offset it is given', () => {
    // Prepare
    const definition = salesProcessor([tumbling('per-second')]);
    const keyId = itemIds.keyWindows('per-second', 'store-1');
    const stored: StoredItem<KeyWindowsBody> = {
      id: keyId,
      rev: 3,
      body: { kind: 'key-windows', view: 'per-second', key: 'store-1', windows: [{ start: 1000, end: 2000, acc: { total: 0, ids: [], merges: 0 }, count: 0 }], closedThrough: null },
    };
    const checkpoint = { id: itemIds.checkpoint(TOPIC, 0), rev: 7, body: { kind: 'checkpoint', topic: TOPIC, partition: 0, offset: 4, maxEventTime: 900, lastActivityAt: 0 } as const };

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records: [prepareRecord(definition, decoded(5, sale('a', 1000)))],
      checkpoint,
      metaExists: true,
      throughOffset: 9,
      state: new Map([[idKey(keyId), stored]]),
      readKeys: new Set([idKey(keyId)]),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('planned');
    if (plan.kind !== 'planned') return;
    expect(plan.writes.map((w) => [w.id.pk, w.expectedRev])).toEqual([
      ['CP', 7],
      [keyId.pk, 3],
    ]);
    expect(plan.checkpoint).toEqual({ kind: 'checkpoint', topic: TOPIC, partition: 0, offset: 9, maxEventTime: 1000, lastActivityAt: NOW });
    expect(plan.writes[1]?.closesAt).toBe(1999);
  });

  it('returns the record as failed, with what its aggregate threw, when a user aggregate throws', () => {
    // Prepare
    const definition = salesProcessor([
      { ...tumbling('per-second'), aggregate: { initial: () => 0, add: () => { throw new Error('refunds are not supported'); } } } as View<Sale>,
    ]);
    const keyId = itemIds.keyWindows('per-second', 'store-1');
    const prepared = prepareRecord(definition, decoded(0, sale('a', 1000)));

    // Act
    const plan = planChunk({
      definition,
      topic: TOPIC,
      partition: 0,
      records: [prepared],
      checkpoint: undefined,
      metaExists: true,
      throughOffset: 0,
      state: new Map(),
      readKeys: new Set([idKey(keyId)]),
      now: NOW,
    });

    // Assess
    expect(plan.kind).toBe('record-failed');
    expect(plan.kind === 'record-failed' ? plan.record : undefined).toBe(prepared);
    expect(plan.kind === 'record-failed' ? plan.error.message : undefined).toBe('refunds are not supported');
  });
});

describe('windows', () => {
  it('updates every hopping window a record belongs to', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([{ kind: 'window', name: 'sliding', key: (v) => v.key, window: { type: 'hopping', sizeMs: 3000, slideMs: 1000 }, aggregate: totals }]);

    // Act
    await runPartition({ definition, store }, batch([sale('a', 5500, 2), sale('b', 6000, 3)]));

    // Assess
    expect(await openWindows(store, 'sliding', 'store-1')).toEqual([
      [3000, 6000, 1],
      [4000, 7000, 2],
      [5000, 8000, 2],
      [6000, 9000, 1],
    ]);
    expect((await resultOf(store, 'sliding', 'store-1', 5000))?.total).toBe(5);
    expect(await store.findDueKeyWindows(5998, 10)).toEqual([]);
    expect(await store.findDueKeyWindows(5999, 10)).toEqual([itemIds.keyWindows('sliding', 'store-1')]);
  });

  it('adds a record that is late for some of its hopping windows to the ones still open only', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([{ kind: 'window', name: 'sliding', key: (v) => v.key, window: { type: 'hopping', sizeMs: 3000, slideMs: 1000 }, aggregate: totals }]);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('b', 8000)]));

    // Assess: at watermark 10000, [6000, 9000) and [7000, 10000) have closed; [8000, 11000) has not.
    expect(deadLettered).toEqual([]);
    expect(result.stats.applied).toBe(2);
    expect(await openWindows(store, 'sliding', 'store-1')).toEqual([
      [8000, 11_000, 2],
      [9000, 12_000, 1],
      [10_000, 13_000, 1],
    ]);
  });

  it('merges three session records into one session when the third bridges the first two, calling merge and summing counts', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([{ kind: 'window', name: 'visits', key: (v) => v.key, window: { type: 'session', gapMs: 1000 }, aggregate: mergingTotals }], {
      watermark: { outOfOrdernessMs: 1000 },
    });

    // Act: each record in its own batch, so the sessions are read back from state.
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000, 1))]);
    await runPartition({ definition, store }, [decoded(1, sale('b', 2500, 10))]);
    const sessionsBefore = await openWindows(store, 'visits', 'store-1');
    await runPartition({ definition, store }, [decoded(2, sale('c', 1800, 100))]);

    // Assess
    expect(sessionsBefore).toEqual([
      [1000, 2000, 1],
      [2500, 3500, 1],
    ]);
    expect(await openWindows(store, 'visits', 'store-1')).toEqual([[1000, 3500, 3]]);
    expect(await resultOf(store, 'visits', 'store-1', 1000)).toEqual({ total: 111, ids: ['a', 'b', 'c'], merges: 2 });
  });

  it('merges session records the same way when they arrive in one chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([{ kind: 'window', name: 'visits', key: (v) => v.key, window: { type: 'session', gapMs: 1000 }, aggregate: mergingTotals }], {
      watermark: { outOfOrdernessMs: 1000 },
    });

    // Act
    const { result } = await runPartition({ definition, store }, batch([sale('a', 1000, 1), sale('b', 2500, 10), sale('c', 1800, 100)]));

    // Assess
    expect(result.stats.commits).toBe(1);
    expect(await openWindows(store, 'visits', 'store-1')).toEqual([[1000, 3500, 3]]);
    expect(await resultOf(store, 'visits', 'store-1', 1000)).toEqual({ total: 111, ids: ['a', 'b', 'c'], merges: 2 });
  });
});

describe('late events', () => {
  const views = [
    tumbling('strict', 0),
    tumbling('lenient', 5000),
    tumbling('vip', 60_000, (v) => (v.vip === true ? v.key : undefined)),
  ];

  it('applies a record that is late for one view to the others, and side-outputs it as LATE_EVENT naming the view that missed it', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('b', 8500)]));

    // Assess: the strict view's results plus its late letters account for every record it targets.
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    const error = deadLettered[0]?.error as LateEventError;
    expect([error.views, error.appliedElsewhere, error.eventTime, error.watermark]).toEqual([['strict'], true, 8500, 9999]);
    expect(error.message).toMatch(/every window of strict it belongs to has closed; the record was applied to the processor's other views/);
    expect(result.stats).toMatchObject({ applied: 2, lateForSomeViews: 1, rejected: { LATE_EVENT: 0, PROCESSING_ERROR: 0 } });
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect(await openWindows(store, 'lenient', 'store-1')).toEqual([
      [8000, 9000, 1],
      [10_000, 11_000, 1],
    ]);
  });

  it('rejects a record as LATE_EVENT when it is late for every window of every view it targets', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess: the vip view would still take it, but it does not target this record.
    expect(result.stats.rejected).toEqual({ LATE_EVENT: 1, PROCESSING_ERROR: 0 });
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    const error = deadLettered[0]?.error as LateEventError;
    expect(error).toBeInstanceOf(LateEventError);
    expect([error.eventTime, error.watermark]).toEqual([4000, 9999]);
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect(await openWindows(store, 'lenient', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('applies an equally late record when another targeted view still takes it, side-outputting it for the views that missed it', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), { ...sale('vip', 4000), vip: true }]));

    // Assess: the two views that missed it side-output it; the vip view has it.
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as LateEventError).views])).toEqual([[1, 'LATE_EVENT', ['strict', 'lenient']]]);
    expect(await openWindows(store, 'vip', 'store-1')).toEqual([[4000, 5000, 1]]);
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
  });

  it('applies a record late for all its windows when a projection takes it, side-outputting it for the window view', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([
      tumbling('strict', 0),
      { kind: 'projection', name: 'last-sale', change: (v) => change('upsert', JSON.stringify([v.id]), v.t, { id: v.id }) },
    ]);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess: the projection has it; the window view that missed it side-outputs it.
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as LateEventError).views])).toEqual([[1, 'LATE_EVENT', ['strict']]]);
    expect(result.stats).toMatchObject({ applied: 2, lateForSomeViews: 1 });
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect((await projectionOf(store, 'last-sale', '["late"]'))?.row).toEqual({ id: 'late' });
  });

  it('rejects a session record as LATE_EVENT once the session it would end in has closed, and takes one late alone into an open session', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([
      { kind: 'window', name: 'visits', key: (v) => v.key, window: { type: 'session', gapMs: 1000 }, allowedLatenessMs: 100, aggregate: mergingTotals },
    ]);

    // Act: after 20500 the watermark is 20499. [10001, 11001) has closed (at 11100) and so has late's own [9100, 10100);
    // joins' own [19200, 20200) has too (at 20299), but it touches [20000, 21500), which closes only at 21599.
    const records = [sale('a', 10_001), sale('b', 20_000), sale('c', 20_500), sale('late', 9100), sale('joins', 19_200)];
    const { deadLettered } = await runPartition({ definition, store }, batch(records));

    // Assess
    expect(deadLettered.map((r) => r.record.offset)).toEqual([3]);
    expect(await openWindows(store, 'visits', 'store-1')).toEqual([
      [10_001, 11_001, 1],
      [19_200, 21_500, 3],
    ]);
  });
});

describe('event-id dedup', () => {
  const definition = salesProcessor([tumbling('per-second')], { dedup: { eventId: (v) => v.id, horizonMs: 60_000 } });

  it('skips a repeat of an event id within one chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    const { result } = await runPartition({ definition, store }, batch([sale('a', 1000, 1), sale('a', 1200, 1), sale('b', 1300, 10)]));

    // Assess
    expect(result.stats).toMatchObject({ applied: 2, duplicates: 1, commits: 1 });
    expect(await resultOf(store, 'per-second', 'store-1', 1000)).toMatchObject({ total: 11, ids: ['a', 'b'] });
  });

  it('skips a repeat of an event id committed by an earlier chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000, 1))]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(1, sale('a', 1000, 1))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('skips an event id whose marker in state has not expired', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await store.commit([{ id: itemIds.dedup('a'), expectedRev: 0, body: { kind: 'dedup', eventId: 'a', expiresAt: NOW / 1000 + 1 } }]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await keyWindowsOf(store, 'per-second', 'store-1')).toBeUndefined();
  });

  it('applies an event id whose marker in state has expired, and renews the marker', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await store.commit([{ id: itemIds.dedup('a'), expectedRev: 0, body: { kind: 'dedup', eventId: 'a', expiresAt: NOW / 1000 - 1 } }]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 1]]);
    expect(await bodyOf<DedupBody>(store, itemIds.dedup('a'))).toEqual({ kind: 'dedup', eventId: 'a', expiresAt: (NOW + 60_000) / 1000 });
  });

  it('counts a marker as expired once processing time reaches its expiry', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Act
    const justBefore = await runPartition({ definition, store, now: () => NOW + 59_999 }, [decoded(1, sale('a', 1000))]);
    const atExpiry = await runPartition({ definition, store, now: () => NOW + 60_000 }, [decoded(2, sale('a', 1000))]);

    // Assess
    expect(justBefore.result.stats.duplicates).toBe(1);
    expect(atExpiry.result.stats).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 2]]);
  });
});

interface StockChange {
  readonly op: 'upsert' | 'delete';
  readonly sku: string;
  /** A decimal string: positions may exceed 2^53. */
  readonly pos: string;
  readonly location?: string;
  readonly qty?: number;
}

const upsert = (sku: string, pos: number | string, location: string, qty: number): StockChange => ({ op: 'upsert', sku, pos: String(pos), location, qty });
const remove = (sku: string, pos: number | string): StockChange => ({ op: 'delete', sku, pos: String(pos) });

function stockProcessor(rollups: NonNullable<Extract<View<StockChange>, { kind: 'projection' }>['rollups']> = []): ProcessorDefinition {
  return defineProcessor<StockChange>({
    name: 'stock',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    views: [
      {
        kind: 'projection',
        name: 'stock',
        change: (v) =>
          change(v.op, JSON.stringify([v.sku]), BigInt(v.pos), v.op === 'upsert' ? { sku: v.sku, location: v.location, qty: v.qty } : { sku: v.sku }),
        rollups,
      },
    ],
  });
}

const byLocation = { name: 'by-location', group: (row: Readonly<Record<string, unknown>>) => row.location as string | undefined, measures: (row: Readonly<Record<string, unknown>>) => ({ qty: row.qty as number }) };

describe('projections', () => {
  it('applies a change with a newer position', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor();
    await runPartition({ definition, store }, [decoded(0, upsert('A', 5, 'north', 1))]);

    // Act
    await runPartition({ definition, store }, [decoded(1, upsert('A', 7, 'north', 2))]);

    // Assess
    expect(await projectionOf(store, 'stock', '["A"]')).toEqual({
      kind: 'projection',
      view: 'stock',
      key: '["A"]',
      row: { sku: 'A', location: 'north', qty: 2 },
      position: '7',
      positionKind: 'postgres-lsn',
      updatedAt: NOW,
    });
  });

  it('ignores a change with an equal or older position', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor();
    await runPartition({ definition, store }, [decoded(0, upsert('A', 7, 'north', 2))]);
    const before = await store.read([itemIds.projection('stock', '["A"]')]);

    // Act
    const { result } = await runPartition({ definition, store, now: () => NOW + 1000 }, batch([upsert('A', 7, 'south', 99), upsert('A', 6, 'south', 98)], { firstOffset: 1 }));

    // Assess
    expect(result.stats.applied).toBe(2);
    expect(await store.read([itemIds.projection('stock', '["A"]')])).toEqual(before);
  });

  it('leaves a tombstone on delete that an older upsert cannot resurrect, while a newer one can', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor();
    await runPartition({ definition, store }, [decoded(0, upsert('A', 5, 'north', 2))]);

    // Act
    await runPartition({ definition, store }, [decoded(1, remove('A', 10))]);
    const tombstone = await projectionOf(store, 'stock', '["A"]');
    await runPartition({ definition, store }, [decoded(2, upsert('A', 8, 'north', 3))]);
    const afterOlder = await projectionOf(store, 'stock', '["A"]');
    await runPartition({ definition, store }, [decoded(3, upsert('A', 11, 'north', 4))]);
    const afterNewer = await projectionOf(store, 'stock', '["A"]');

    // Assess
    expect(tombstone).toMatchObject({ row: null, position: '10' });
    expect(afterOlder).toEqual(tombstone);
    expect(afterNewer).toMatchObject({ row: { qty: 4 }, position: '11' });
  });

  it('keeps a tombstone for a delete of a row it never saw, against an older upsert in the same chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor();

    // Act
    await runPartition({ definition, store }, batch([remove('A', 10), upsert('A', 9, 'north', 1)]));

    // Assess
    expect(await projectionOf(store, 'stock', '["A"]')).toMatchObject({ row: null, position: '10' });
  });

  it('compares positions beyond 2^53 exactly', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor();
    const big = 2n ** 60n;
    await runPartition({ definition, store }, [decoded(0, upsert('A', String(big + 1n), 'north', 1))]);

    // Act
    await runPartition({ definition, store }, batch([upsert('A', String(big), 'north', 2), upsert('A', String(big + 2n), 'north', 3)], { firstOffset: 1 }));

    // Assess
    expect(await projectionOf(store, 'stock', '["A"]')).toMatchObject({ row: { qty: 3 }, position: String(big + 2n) });
  });
});

describe('rollups', () => {
  const changes = [upsert('A', 1, 'north', 5), upsert('B', 2, 'north', 2), upsert('A', 3, 'south', 4), remove('A', 4)];

  it('moves a row between groups when its group changes, and subtracts it on delete, across chunks', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor([byLocation]);
    await runPartition({ definition, store }, batch(changes.slice(0, 2)));
    const north1 = await rollupOf(store, 'stock', 'by-location', 'north');

    // Act
    await runPartition({ definition, store }, [decoded(2, changes[2] as StockChange)]);
    const [north2, south2] = [await rollupOf(store, 'stock', 'by-location', 'north'), await rollupOf(store, 'stock', 'by-location', 'south')];
    await runPartition({ definition, store }, [decoded(3, changes[3] as StockChange)]);
    const [north3, south3] = [await rollupOf(store, 'stock', 'by-location', 'north'), await rollupOf(store, 'stock', 'by-location', 'south')];

    // Assess
    expect(north1).toMatchObject({ measures: { qty: 7 }, rows: 2 });
    expect(north2).toMatchObject({ measures: { qty: 2 }, rows: 1 });
    expect(south2).toMatchObject({ measures: { qty: 4 }, rows: 1 });
    expect(north3).toMatchObject({ measures: { qty: 2 }, rows: 1 });
    expect(south3).toMatchObject({ measures: { qty: 0 }, rows: 0 });
  });

  it('ends with the same groups when every change arrives in one chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor([byLocation]);

    // Act
    const { result } = await runPartition({ definition, store }, batch(changes));

    // Assess
    expect(result.stats.commits).toBe(1);
    expect(await rollupOf(store, 'stock', 'by-location', 'north')).toMatchObject({ measures: { qty: 2 }, rows: 1 });
    expect(await rollupOf(store, 'stock', 'by-location', 'south')).toMatchObject({ measures: { qty: 0 }, rows: 0 });
  });

  it('does not count an older upsert replayed after a delete', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor([byLocation]);

    // Act
    await runPartition({ definition, store }, batch([...changes, upsert('A', 3, 'south', 4)]));

    // Assess
    expect(await rollupOf(store, 'stock', 'by-location', 'south')).toMatchObject({ measures: { qty: 0 }, rows: 0 });
  });

  it('applies a delete whose before image holds only the key columns when the rollup group needs the full row', async () => {
    // Prepare: Debezium sends only the key columns of a deleted row under the default replica identity.
    const store = new InMemoryStateStore();
    const strictGroup = { ...byLocation, group: (row: Readonly<Record<string, unknown>>) => (row.location as string).toUpperCase() };
    const definition = stockProcessor([strictGroup]);
    await runPartition({ definition, store }, [decoded(0, upsert('A', 1, 'north', 5))]);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, [decoded(1, remove('A', 2))]);

    // Assess
    expect(deadLettered).toEqual([]);
    expect(result.stats.applied).toBe(1);
    expect(await projectionOf(store, 'stock', '["A"]')).toMatchObject({ row: null, position: '2' });
    expect(await rollupOf(store, 'stock', 'by-location', 'NORTH')).toMatchObject({ measures: { qty: 0 }, rows: 0 });
  });
});

describe('user functions that throw', () => {
  const refundsFail = {
    ...totals,
    add: (acc: Totals, v: Sale): Totals => {
      if (v.amount < 0) throw new Error('refunds are not supported');
      return totals.add(acc, v);
    },
  };

  it('rejects a record whose aggregate add throws as PROCESSING_ERROR and commits the rest of the chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([{ ...tumbling('per-second'), aggregate: refundsFail } as View<Sale>]);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 1000, 1), sale('refund', 50_000, -5), sale('b', 1200, 2)]));

    // Assess: the failed record's event time does not move the watermark, so b is on time.
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as Error).message])).toEqual([[1, 'PROCESSING_ERROR', 'refunds are not supported']]);
    expect(result.stats).toMatchObject({ applied: 2, rejected: { LATE_EVENT: 0, PROCESSING_ERROR: 1 } });
    expect(await resultOf(store, 'per-second', 'store-1', 1000)).toMatchObject({ total: 3, ids: ['a', 'b'] });
    expect(await checkpointOf(store)).toMatchObject({ offset: 2, maxEventTime: 1200 });
  });

  it('removes every trace of a failed record from the views folded before the one that threw', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([tumbling('first'), { ...tumbling('second'), aggregate: refundsFail } as View<Sale>]);

    // Act
    await runPartition({ definition, store }, batch([sale('a', 1000, 1), sale('refund', 1100, -5)]));

    // Assess
    expect(await resultOf(store, 'first', 'store-1', 1000)).toMatchObject({ total: 1, ids: ['a'] });
    expect(await resultOf(store, 'second', 'store-1', 1000)).toMatchObject({ total: 1, ids: ['a'] });
  });

  it('rejects a record whose key function throws as PROCESSING_ERROR and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([
      tumbling('per-second', 0, (v) => {
        if (v.key === '') throw new Error('sale without a store');
        return v.key;
      }),
    ]);

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([sale('a', 1000), sale('b', 1100, 1, ''), sale('c', 1200)]));

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as Error).message])).toEqual([[1, 'PROCESSING_ERROR', 'sale without a store']]);
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 2]]);
    expect((await checkpointOf(store))?.offset).toBe(2);
  });

  it('rejects a record whose eventTime throws or is not a finite number as PROCESSING_ERROR and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([tumbling('per-second')], {
      eventTime: (v) => {
        if (v.t < 0) throw new Error('no timestamp');
        return v.t === 0 ? Number.NaN : v.t;
      },
    });

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([sale('a', 1000), sale('b', -1), sale('c', 0), sale('d', 1200)]));

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([
      [1, 'PROCESSING_ERROR'],
      [2, 'PROCESSING_ERROR'],
    ]);
    expect((deadLettered[1]?.error as Error).message).toBe('eventTime returned NaN, not an epoch-millisecond number');
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 2]]);
  });

  it('rejects a change whose rollup measures are not finite numbers as PROCESSING_ERROR and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = stockProcessor([byLocation]);

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([upsert('A', 1, 'north', 5), { ...upsert('B', 2, 'north', 0), qty: undefined }, upsert('C', 3, 'north', 1)]));

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as Error).message])).toEqual([[1, 'PROCESSING_ERROR', "rollup 'by-location' measure 'qty' is undefined"]]);
    expect(await projectionOf(store, 'stock', '["B"]')).toBeUndefined();
    expect(await rollupOf(store, 'stock', 'by-location', 'north')).toMatchObject({ measures: { qty: 6 }, rows: 2 });
  });

  it('rejects an upsert whose rollup group throws as PROCESSING_ERROR and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const strictGroup = { ...byLocation, group: (row: Readonly<Record<string, unknown>>) => (row.location as string).toUpperCase() };
    const definition = stockProcessor([strictGroup]);

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([upsert('A', 1, 'north', 5), { op: 'upsert', sku: 'B', pos: '2', qty: 1 }, upsert('C', 3, 'north', 1)]));

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'PROCESSING_ERROR']]);
    expect(await projectionOf(store, 'stock', '["B"]')).toBeUndefined();
    expect(await rollupOf(store, 'stock', 'by-location', 'NORTH')).toMatchObject({ measures: { qty: 6 }, rows: 2 });
  });
});
