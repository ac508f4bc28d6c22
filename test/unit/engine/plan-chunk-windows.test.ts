import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { batch, decoded, openWindows, runPartition } from './engine-fixtures.js';
import { mergingTotals, resultOf, sale, salesProcessor, totals } from './plan-chunk-fixtures.js';

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
