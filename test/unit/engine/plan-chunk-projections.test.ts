import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { batch, decoded, NOW, projectionOf, rollupOf, runPartition } from './engine-fixtures.js';
import { byLocation, remove, type StockChange, stockProcessor, upsert } from './plan-chunk-fixtures.js';

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
