import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import { batch, checkpointOf, perSecondSales, runPartition, sale, type Sale, ScriptedStore } from './engine-fixtures.js';
import { idsIn, idsPerSecond, sales, salesPerKey } from './partition-executor-fixtures.js';

describe('executePartition', () => {
  it('skips records at or below the checkpoint and counts them as skippedByCheckpoint', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = idsPerSecond();
    await runPartition({ definition, store }, sales(5));

    // Act: the mapping redelivers the first five with three new ones.
    const { result } = await runPartition({ definition, store }, sales(8));

    // Assess
    expect(result.stats).toMatchObject({ received: 8, skippedByCheckpoint: 5, applied: 3, uncommitted: 0, commits: 1 });
    expect(await idsIn(store)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7']);
    expect((await checkpointOf(store))?.offset).toBe(7);
  });

  it('writes nothing for a batch that was committed already', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = idsPerSecond();
    await runPartition({ definition, store: inner }, sales(5));
    const before = inner.snapshot();
    const store = new ScriptedStore(inner);

    // Act
    const { result } = await runPartition({ definition, store }, sales(5));

    // Assess
    expect(result.stats).toMatchObject({ received: 5, skippedByCheckpoint: 5, applied: 0, commits: 0 });
    expect(store.commits).toEqual([]);
    expect(inner.snapshot()).toEqual(before);
  });

  it('moves the checkpoint over poison records after the last decoded record', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    await runPartition({ definition: idsPerSecond(), store }, sales(3), { lastOffset: 5 });

    // Assess
    expect((await checkpointOf(store))?.offset).toBe(5);
  });

  it('moves the checkpoint over poison records after a last decoded record that failed', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = perSecondSales({
      initial: () => 0,
      add: (n: number, v: Sale) => {
        if (v.id === 'bad') throw new Error('cannot add');
        return n + 1;
      },
    });

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([sale('a', 1000), sale('bad', 1001)]), { lastOffset: 3 });

    // Assess
    expect(deadLettered.map((r) => r.record.offset)).toEqual([1]);
    expect((await checkpointOf(store))?.offset).toBe(3);
  });

  it('splits 250 distinct keys into transactions of at most 100 writes and applies every one', async () => {
    for (const dedup of [false, true]) {
      // Prepare
      const inner = new InMemoryStateStore();
      const store = new ScriptedStore(inner);

      // Act
      const { result } = await runPartition({ definition: idsPerSecond({ dedup }), store }, salesPerKey(250));

      // Assess
      expect(result.stats).toMatchObject({ applied: 250, uncommitted: 0 });
      expect(store.accepted.length).toBeGreaterThanOrEqual(dedup ? 6 : 3);
      expect(result.stats.commits).toBe(store.accepted.length);
      // DynamoDB's documented TransactWriteItems limit is 100 items.
      for (const writes of store.accepted) expect(writes.length).toBeLessThanOrEqual(100);
      const checkpoints = store.accepted.map((writes) => writes.find((w) => w.body?.kind === 'checkpoint')?.body);
      expect(checkpoints.map((c) => (c?.kind === 'checkpoint' ? c.offset : undefined)).at(-1)).toBe(249);
      const keys = inner.snapshot().flatMap((i) => (i.body.kind === 'key-windows' ? [i.body] : []));
      expect(keys).toHaveLength(250);
      expect(keys.every((k: KeyWindowsBody) => k.windows.length === 1 && k.windows[0]?.count === 1)).toBe(true);
    }
  });
});
