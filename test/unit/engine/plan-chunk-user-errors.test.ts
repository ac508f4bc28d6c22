import { describe, expect, it } from 'vitest';
import type { View } from '../../../functions/core/engine/definition.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { batch, checkpointOf, openWindows, projectionOf, rollupOf, runPartition } from './engine-fixtures.js';
import { byLocation, resultOf, sale, type Sale, salesProcessor, stockProcessor, totals, type Totals, tumbling, upsert } from './plan-chunk-fixtures.js';

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
