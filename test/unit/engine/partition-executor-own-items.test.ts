import { describe, expect, it } from 'vitest';
import { defineProcessor } from '../../../functions/core/engine/definition.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { ItemWrite, StateStore } from '../../../functions/core/state/state-store.js';
import { caught } from '../../helpers/caught.js';
import { batch, change, rollupOf, runPartition, ScriptedStore, TOPIC, windowPanes } from './engine-fixtures.js';

describe('executePartition, items only the partition writes', () => {
  /** Sales counted per key in 1-second windows kept in panes, and stock movements projected with a per-location rollup. */
  const mixed = defineProcessor<{ kind: 'sale' | 'move'; id: string; key: string; t: number; qty?: number }>({
    name: 'shop',
    input: { topics: [{ name: TOPIC, partitions: 2 }] },
    eventTime: (v) => v.t,
    dedup: { eventId: (v) => v.id, horizonMs: 60_000 },
    views: [
      { kind: 'window', name: 'per-second', key: (v) => (v.kind === 'sale' ? v.key : undefined), window: { type: 'tumbling', sizeMs: 1000 }, aggregate: { initial: () => 0, add: (n: number) => n + 1, merge: (a: number, b: number) => a + b } },
      {
        kind: 'projection',
        name: 'stock',
        change: (v, record) => (v.kind === 'move' ? change('upsert', v.id, record.offset + 1, { location: v.key, qty: v.qty ?? 0 }) : undefined),
        rollups: [{ name: 'by-location', group: (row) => String(row.location), measures: (row) => ({ qty: Number(row.qty) }) }],
      },
    ],
  });
  const records = batch([
    { kind: 'sale' as const, id: 'a', key: 'store-1', t: 1100 },
    { kind: 'move' as const, id: 'm1', key: 'north', t: 1200, qty: 5 },
    { kind: 'sale' as const, id: 'b', key: 'store-1', t: 1300 },
    { kind: 'move' as const, id: 'm2', key: 'north', t: 1400, qty: 2 },
  ]);

  it('writes the pane and the rollup share alone, before the transaction with the checkpoint, and after a crash in between applies nothing twice', async () => {
    // Prepare: the first transaction (projection rows and checkpoint) dies before it reaches the store.
    const inner = new InMemoryStateStore();
    const events: string[] = [];
    let died = false;
    const store = new ScriptedStore(
      inner,
      (_attempt, writes) => {
        events.push(writes.map((w) => w.body?.kind ?? 'delete').join('+'));
        if (!died && writes.some((w) => w.body?.kind === 'checkpoint')) {
          died = true;
          throw new Error('the invocation died');
        }
      },
    );

    // Act
    const crashed = await caught(runPartition({ definition: mixed, store }, records));
    const { result } = await runPartition({ definition: mixed, store }, records);

    // Assess: the retry found the pane and the share holding the records, applied them to the rows only.
    expect(crashed).toBeInstanceOf(Error);
    // The moves reach a projection, so their ids are markers, claimed first; the sales' ids are in the pane.
    expect(events.slice(0, 2)).toEqual(['dedup', 'dedup']);
    expect(events.slice(2, 5).sort()).toEqual(['checkpoint+meta+projection+projection', 'rollup', 'window-pane']);
    expect(result.stats).toMatchObject({ applied: 4, duplicates: 0 });
    expect(await rollupOf(inner, 'stock', 'by-location', 'north')).toMatchObject({ measures: { qty: 7 }, rows: 2 });
    const panes = windowPanes(inner);
    expect(panes.map((p) => [p.keys['store-1'], p.ids, p.applied])).toEqual([[[[2000, 2, 2]], { a: 0, b: 2 }, 3]]);
  });

  it('counts an event given to two partitions at once once: the marker is claimed before either applies it to its own items', async () => {
    // Prepare: the same move (its id m1) reaches partition 0 and, republished, partition 1; neither writes
    // anything until both have read the marker as absent.
    const inner = new InMemoryStateStore();
    let readers = 0;
    let bothRead = (): void => undefined;
    const gate = new Promise<void>((resolve) => (bothRead = resolve));
    const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
      read: async (ids: Parameters<StateStore['read']>[0]) => {
        const found = await inner.read(ids);
        if (ids.some((id) => id.pk === 'DD#m1') && ++readers === 2) bothRead();
        return found;
      },
      write: async (write: ItemWrite) => {
        await gate;
        return inner.write(write);
      },
      commit: async (writes: readonly ItemWrite[]) => {
        await gate;
        return inner.commit(writes);
      },
    });
    const move = { kind: 'move' as const, id: 'm1', key: 'north', t: 1200, qty: 5 };

    // Act
    const [first, second] = await Promise.all([
      runPartition({ definition: mixed, store }, batch([move], { partition: 0 })),
      runPartition({ definition: mixed, store }, batch([move], { partition: 1 })),
    ]);

    // Assess: applied once, a duplicate once, and the rollup holds the move once.
    expect([first.result.stats.applied + second.result.stats.applied, first.result.stats.duplicates + second.result.stats.duplicates]).toEqual([1, 1]);
    expect(await rollupOf(inner, 'stock', 'by-location', 'north')).toMatchObject({ measures: { qty: 5 }, rows: 1 });
  });

  it('gives each partition its own share of a rollup group, which a read adds up', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    await runPartition({ definition: mixed, store }, records);
    await runPartition({ definition: mixed, store }, batch([{ kind: 'move' as const, id: 'm3', key: 'north', t: 1500, qty: 10 }], { partition: 1 }));

    // Assess
    const shares = store.snapshot().flatMap((i) => (i.body.kind === 'rollup' ? [[i.id.sk, i.body.measures.qty, i.body.rows]] : []));
    expect(shares.sort()).toEqual([[`${TOPIC}#0`, 7, 2], [`${TOPIC}#1`, 10, 1]]);
    expect(await rollupOf(store, 'stock', 'by-location', 'north')).toMatchObject({ measures: { qty: 17 }, rows: 3 });
  });
});
