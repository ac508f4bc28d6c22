import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition } from '../../../functions/core/engine/definition.js';
import { executePartition } from '../../../functions/core/engine/partition-executor.js';
import type { DecodedRecord } from '../../../functions/core/processing/partition-contract.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import { type ItemWrite, type StateStore } from '../../../functions/core/state/state-store.js';
import { StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { caught } from '../../helpers/caught.js';
import { batch, change, checkpointOf, decoded, keyWindowsOf, NOW, openWindows, rollupOf, runPartition, ScriptedStore, TOPIC } from './engine-fixtures.js';

interface Sale {
  readonly id: string;
  readonly key: string;
  readonly t: number;
  readonly big?: boolean;
}

const sale = (id: string, t: number, key = 'store-1'): Sale => ({ id, key, t });

function salesProcessor(options: { dedup?: boolean; partitions?: number } = {}): ProcessorDefinition {
  return defineProcessor<Sale>({
    name: 'store-sales',
    input: { topics: [{ name: TOPIC, partitions: options.partitions ?? 2 }] },
    eventTime: (v) => v.t,
    ...(options.dedup === true ? { dedup: { eventId: (v: Sale) => v.id, horizonMs: 60_000 } } : {}),
    views: [
      {
        kind: 'window',
        name: 'per-second',
        key: (v) => v.key,
        window: { type: 'tumbling', sizeMs: 1000 },
        aggregate: { initial: (): string[] => [], add: (ids: string[], v) => [...ids, v.id] },
      },
    ],
  });
}

/** Sales at consecutive offsets, all in the window [1000, 2000) of one key. */
const sales = (count: number, firstOffset = 0): DecodedRecord<Sale>[] =>
  batch(
    Array.from({ length: count }, (_, i) => sale(`s${firstOffset + i}`, 1000 + firstOffset + i)),
    { firstOffset },
  );

/** One sale for each of `count` keys, at consecutive offsets. */
const salesPerKey = (count: number): DecodedRecord<Sale>[] => batch(Array.from({ length: count }, (_, i) => sale(`s${i}`, 1000 + i, `k-${i}`)));

async function idsIn(store: InMemoryStateStore, key = 'store-1'): Promise<string[]> {
  return ((await keyWindowsOf(store, 'per-second', key))?.windows[0]?.acc as string[] | undefined) ?? [];
}

const unavailable = (): never => {
  throw new StateStoreUnavailableError('throttled');
};

describe('executePartition', () => {
  it('skips records at or below the checkpoint and counts them as skippedByCheckpoint', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor();
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
    const definition = salesProcessor();
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
    await runPartition({ definition: salesProcessor(), store }, sales(3), { lastOffset: 5 });

    // Assess
    expect((await checkpointOf(store))?.offset).toBe(5);
  });

  it('moves the checkpoint over poison records after a last decoded record that failed', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = defineProcessor<Sale>({
      name: 'store-sales',
      input: { topics: [{ name: TOPIC, partitions: 1 }] },
      eventTime: (v) => v.t,
      views: [
        {
          kind: 'window',
          name: 'per-second',
          key: (v) => v.key,
          window: { type: 'tumbling', sizeMs: 1000 },
          aggregate: {
            initial: () => 0,
            add: (n: number, v) => {
              if (v.id === 'bad') throw new Error('cannot add');
              return n + 1;
            },
          },
        },
      ],
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
      const { result } = await runPartition({ definition: salesProcessor({ dedup }), store }, salesPerKey(250));

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

  it('re-reads after a concurrent invocation committed the same batch first, and applies nothing twice', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    const records = sales(5);
    const store = new ScriptedStore(inner, async (attempt) => {
      // A timed-out invocation of the same batch commits between our read and our commit.
      if (attempt === 1) await runPartition({ definition, store: inner }, records);
    });

    // Act
    const { result } = await runPartition({ definition, store }, records);

    // Assess
    expect(store.commits.map((c) => c.committed)).toEqual([false]);
    expect(result.stats).toMatchObject({ conflicts: 1, commits: 0, applied: 0, skippedByCheckpoint: 5 });
    expect(await idsIn(inner)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('re-reads after another partition changed a shared key between read and commit, and keeps both updates', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    const store = new ScriptedStore(inner, async (attempt) => {
      if (attempt === 1) await runPartition({ definition, store: inner }, [decoded(0, sale('other', 1500), { partition: 1 })]);
    });

    // Act
    const { result } = await runPartition({ definition, store }, sales(3));

    // Assess
    expect(store.commits.map((c) => c.committed)).toEqual([false, true]);
    expect(result.stats).toMatchObject({ conflicts: 1, commits: 1, applied: 3 });
    expect(await idsIn(inner)).toEqual(['other', 's0', 's1', 's2']);
    expect((await checkpointOf(inner, 0))?.offset).toBe(2);
    expect((await checkpointOf(inner, 1))?.offset).toBe(0);
  });

  it('hands the partition back from the first record when every commit finds the store unavailable, leaving state untouched', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const store = new ScriptedStore(inner, unavailable);

    // Act
    const { result } = await runPartition({ definition: salesProcessor(), store, maxAttempts: 3 }, sales(5));

    // Assess
    expect(result.retryFromOffset).toBe(0);
    expect(result.error).toBeInstanceOf(StateStoreUnavailableError);
    expect(result.stats).toMatchObject({ applied: 0, uncommitted: 5, commits: 0 });
    expect(inner.snapshot()).toEqual([]);
  });

  it('hands the partition back from the first uncommitted offset when the store becomes unavailable after a commit', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const store = new ScriptedStore(inner, (attempt) => (attempt > 1 ? unavailable() : undefined));

    // Act
    const { result } = await runPartition({ definition: salesProcessor(), store, maxAttempts: 4 }, salesPerKey(250));

    // Assess
    const committedThrough = (await checkpointOf(inner))?.offset ?? -1;
    expect(committedThrough).toBeGreaterThanOrEqual(0);
    expect(committedThrough).toBeLessThan(249);
    expect(result.retryFromOffset).toBe(committedThrough + 1);
    expect(result.error).toBeInstanceOf(StateStoreUnavailableError);
    expect(result.stats).toMatchObject({ applied: committedThrough + 1, uncommitted: 249 - committedThrough });
    expect(await keyWindowsOf(inner, 'per-second', `k-${committedThrough}`)).toBeDefined();
    expect(await keyWindowsOf(inner, 'per-second', `k-${committedThrough + 1}`)).toBeUndefined();
  });

  it('hands the partition back when reading the checkpoint keeps failing', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const store = new ScriptedStore(inner);
    store.read = () => Promise.reject(new StateStoreUnavailableError('throttled'));

    // Act
    const { result } = await runPartition({ definition: salesProcessor(), store, maxAttempts: 2 }, sales(3, 10));

    // Assess
    expect(result.retryFromOffset).toBe(10);
    expect(result.error).toBeInstanceOf(StateStoreUnavailableError);
    expect(inner.snapshot()).toEqual([]);
  });

  it('hands the partition back after losing the condition maxAttempts times in a row', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    let other = 0;
    const store = new ScriptedStore(inner, async () => {
      other += 1;
      await runPartition({ definition, store: inner }, [decoded(other, sale(`other-${other}`, 1500), { partition: 1 })]);
    });

    // Act
    const { result } = await runPartition({ definition, store, maxAttempts: 3 }, sales(2));

    // Assess
    expect(result.retryFromOffset).toBe(0);
    expect(result.error?.message).toBe('lost 3 conditions in a row');
    expect(result.stats).toMatchObject({ conflicts: 3, applied: 0, uncommitted: 2 });
    expect(await idsIn(inner)).toEqual(['other-1', 'other-2', 'other-3']);
  });

  it('applies everything when the store is unavailable twice and then recovers', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const store = new ScriptedStore(inner, (attempt) => (attempt <= 2 ? unavailable() : undefined));

    // Act
    const { result } = await runPartition({ definition: salesProcessor(), store }, sales(5));

    // Assess
    expect(result.retryFromOffset).toBeUndefined();
    expect(result.error).toBeUndefined();
    expect(result.stats).toMatchObject({ applied: 5, commits: 1, uncommitted: 0 });
    expect(await idsIn(inner)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect((await checkpointOf(inner))?.offset).toBe(4);
  });

  it('dead-letters late records before the commit that moves past them', async () => {
    // Prepare
    const events: string[] = [];
    const store = new ScriptedStore(new InMemoryStateStore(), undefined, events);
    const deadLetter = (rejected: readonly { record: DecodedRecord; reason: string }[]): Promise<void> => {
      events.push(`dead-letter ${rejected.map((r) => `${r.record.offset}:${r.reason}`).join(',')}`);
      return Promise.resolve();
    };

    // Act
    await runPartition({ definition: salesProcessor(), store, deadLetter }, batch([sale('a', 10_000), sale('late', 4000), sale('b', 10_001)]));

    // Assess
    expect(events).toEqual(['dead-letter 1:LATE_EVENT', 'commit']);
  });

  it('dead-letters a late record once when the commit after it is lost and retried', async () => {
    // Prepare
    const events: string[] = [];
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    const store = new ScriptedStore(
      inner,
      async (attempt) => {
        if (attempt === 1) await runPartition({ definition, store: inner }, [decoded(0, sale('other', 10_500), { partition: 1 })]);
      },
      events,
    );
    const deadLetter = (rejected: readonly { record: DecodedRecord }[]): Promise<void> => {
      events.push(`dead-letter ${rejected.map((r) => r.record.offset).join(',')}`);
      return Promise.resolve();
    };

    // Act
    const { result } = await runPartition({ definition, store, deadLetter }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess
    expect(events).toEqual(['dead-letter 1', 'commit lost', 'commit']);
    expect(result.stats.rejected.LATE_EVENT).toBe(1);
  });

  it('leaves the checkpoint where it was when dead-lettering fails', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor();
    await runPartition({ definition, store }, [decoded(0, sale('a', 10_000))]);
    const before = store.snapshot();

    // Act
    const error = await caught(
      runPartition(
        { definition, store, deadLetter: () => Promise.reject(new Error('SQS is down')) },
        batch([sale('late', 4000), sale('b', 10_500)], { firstOffset: 1 }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('SQS is down');
    expect(store.snapshot()).toEqual(before);
    expect((await checkpointOf(store))?.offset).toBe(0);
  });

  it('returns rejected records to the caller when no deadLetter is given', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    const result = await executePartition(
      {
        topic: TOPIC,
        partition: 0,
        topicPartition: `${TOPIC}-0`,
        records: batch([sale('a', 10_000), sale('late', 4000)]),
        poisonRecords: [],
        lastOffset: 1,
        deadLetter: () => Promise.resolve(),
      },
      { definition: salesProcessor(), store, now: () => NOW, sleep: () => Promise.resolve() },
    );

    // Assess
    expect(result.rejected.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('rejects a record whose accumulator would outgrow a DynamoDB item as PROCESSING_ERROR, naming the limit, and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = defineProcessor<Sale>({
      name: 'store-sales',
      input: { topics: [{ name: TOPIC, partitions: 1 }] },
      eventTime: (v) => v.t,
      views: [
        {
          kind: 'window',
          name: 'per-second',
          key: (v) => v.key,
          window: { type: 'tumbling', sizeMs: 1000 },
          aggregate: { initial: () => '', add: (text: string, v) => text + (v.big === true ? 'x'.repeat(500_000) : v.id) },
        },
      ],
    });

    // Act
    const { result, deadLettered } = await runPartition(
      { definition, store },
      batch([sale('a', 1000), { ...sale('huge', 1001), big: true }, sale('b', 1002), sale('c', 1003, 'store-2')]),
    );

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'PROCESSING_ERROR']]);
    expect((deadLettered[0]?.error as Error).message).toMatch(/^Applying offset 1 would make a state item larger than DynamoDB allows \(\d+ bytes in KW#per-second#store-1, over the 380000-byte limit per item\)$/);
    expect(result.stats).toMatchObject({ applied: 3, rejected: { LATE_EVENT: 0, PROCESSING_ERROR: 1 } });
    expect((await keyWindowsOf(store, 'per-second', 'store-1'))?.windows[0]?.acc).toBe('ab');
    expect(await openWindows(store, 'per-second', 'store-2')).toEqual([[1000, 2000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(3);
  });
});

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
    const panes = inner.snapshot().flatMap((i) => (i.body.kind === 'window-pane' ? [i.body] : []));
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
