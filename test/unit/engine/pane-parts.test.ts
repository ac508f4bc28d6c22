import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition } from '../../../functions/core/engine/definition.js';
import { closeDueWindows } from '../../../functions/core/engine/window-closer.js';
import { PartitionStateCache } from '../../../functions/core/engine/partition-state-cache.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { WindowPaneBody } from '../../../functions/core/state/state-items.js';
import type { ItemWrite, StateStore } from '../../../functions/core/state/state-store.js';
import { finalWindowResults } from '../../../functions/core/state/window-results.js';
import { batch, countedPerSecond, countingReads, keyWindowsOf, NOW, runPartition, sale, salesIdsPerSecond, windowPanes, type Run, type Sale } from './engine-fixtures.js';

/** Parts far smaller than deployed, so that a few records fill one. */
const PART_BYTES = 300;
const IDLE_MS = 60_000;

/** Feeds sales to partitions of 'sales' at their next offsets, with small pane parts. */
function feeder(definition: ProcessorDefinition, store: StateStore, options: { clock?: () => number; partBytes?: number } = {}) {
  const next = new Map<number, number>();
  return async (partition: number, sales: readonly Sale[], firstOffset = next.get(partition) ?? 0): Promise<Run> => {
    next.set(partition, Math.max(next.get(partition) ?? 0, firstOffset + sales.length));
    const now = (options.clock ?? (() => NOW))();
    return runPartition(
      { definition, store, now: () => now, panePartBytes: options.partBytes ?? PART_BYTES },
      batch(sales, { firstOffset, partition, topic: 'sales' }),
    );
  };
}

const sales = (prefix: string, count: number, t: number): Sale[] => Array.from({ length: count }, (_, i) => sale(`${prefix}${String(i).padStart(3, '0')}`, t + i));

const panesOf = (store: InMemoryStateStore, partition: number): WindowPaneBody[] =>
  windowPanes(store)
    .filter((pane) => pane.partition === partition)
    .sort((a, b) => (a.part ?? 0) - (b.part ?? 0));

const resultOf = (store: InMemoryStateStore, start: number): unknown =>
  finalWindowResults(store.snapshot().map((i) => i.body)).find((w) => w.key === 'store-1' && w.start === start)?.result;

/** A store that runs `before` once, ahead of the first write `matches` picks. */
function interceptFirstWrite(inner: StateStore, matches: (write: ItemWrite) => boolean, before: () => Promise<unknown>): StateStore {
  let done = false;
  return Object.assign(Object.create(inner) as StateStore, {
    write: async (write: ItemWrite): Promise<boolean> => {
      if (!done && matches(write)) {
        done = true;
        await before();
      }
      return inner.write(write);
    },
  });
}

describe('window panes kept in parts', () => {
  it('goes on in a new part once a part is full, rewrites only parts it adds to, and closes the window over every part', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const written: ItemWrite[] = [];
    const recording = Object.assign(Object.create(store) as StateStore, {
      write: (write: ItemWrite) => {
        written.push(write);
        return store.write(write);
      },
    });
    const definition = salesIdsPerSecond();
    const feed = feeder(definition, recording);
    const expected = sales('s', 150, 1000);

    // Act: the slice [1000, 2000) gets 150 sales in batches of 7.
    for (let i = 0; i < expected.length; i += 7) await feed(0, expected.slice(i, i + 7));
    const parts = panesOf(store, 0);
    await feed(0, [sale('push', 2000, 'other')]);
    await closeDueWindows({ definition, store, now: () => NOW });

    // Assess
    expect(parts.length).toBeGreaterThan(5);
    expect(parts.slice(0, -1).every((p) => p.full === true)).toBe(true);
    expect(parts.at(-1)?.full).toBeUndefined();
    // A part is full once it reaches the size: no write is more than one record past it.
    const paneWrites = written.filter((w) => w.body?.kind === 'window-pane');
    expect(Math.max(...paneWrites.map((w) => JSON.stringify(w.body).length))).toBeLessThan(PART_BYTES + 60);
    expect(resultOf(store, 1000)).toEqual(expected.map((s) => s.id));
    // The closed slice is retired in every part.
    expect(panesOf(store, 0).filter((p) => p.start === 1000)).toEqual([]);
  });

  it('retires a pane newest part first, so a closer that dies midway leaves its parts from the first on', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond();
    const feed = feeder(definition, store);
    await feed(0, sales('s', 90, 1000));
    await feed(0, [sale('push', 2000, 'other')]);
    const before = panesOf(store, 0).filter((p) => p.start === 1000).length;
    const dying = Object.assign(Object.create(store) as StateStore, {
      write: (write: ItemWrite) => (write.body === null && write.id.sk === 'sales#0#0002' ? Promise.reject(new Error('the closer is gone')) : store.write(write)),
    });

    // Act
    const died = await closeDueWindows({ definition, store: dying, now: () => NOW }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(died).toBeInstanceOf(Error);
    expect(before).toBeGreaterThan(4);
    expect(panesOf(store, 0).filter((p) => p.start === 1000).map((p) => p.part ?? 0)).toEqual([0, 1, 2]);
  });

  it('loses and repeats nothing when an invocation dies between the writes of one pane\'s parts', async () => {
    // Prepare: one batch fills parts 0 and 1 and goes on into part 2; the invocation dies writing part 1, after part 0.
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond();
    const crashing = Object.assign(Object.create(store) as StateStore, {
      write: (write: ItemWrite) => (write.id.sk.endsWith('#0001') ? Promise.reject(new Error('the invocation is gone')) : store.write(write)),
    });
    const expected = sales('s', 60, 1000);

    // Act
    const died = await feeder(definition, crashing)(0, expected).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The retry runs where parts are a little smaller (processes may differ), so its parts end elsewhere.
    const feed = feeder(definition, store, { partBytes: PART_BYTES - 60 });
    await feed(0, expected, 0);
    await feed(0, [sale('push', 2000, 'other')]);
    await closeDueWindows({ definition, store, now: () => NOW });

    // Assess
    expect(died).toBeInstanceOf(Error);
    expect(resultOf(store, 1000)).toEqual(expected.map((s) => s.id));
  });

  it('finds an event a duplicate when its first copy is in an earlier, full part', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ dedup: true });
    const feed = feeder(definition, store);
    const expected = sales('s', 60, 1000);
    await feed(0, expected);

    // Act: the first sale again, at a new offset, once it lies in part 0 and the pane has gone on.
    const again = await feed(0, [sale('s000', 1500)]);
    await feed(0, [sale('push', 2000, 'other')]);
    await closeDueWindows({ definition, store, now: () => NOW });

    // Assess
    expect(panesOf(store, 0).length).toBeGreaterThan(0);
    expect(again.result.stats.duplicates).toBe(1);
    expect(resultOf(store, 1000)).toEqual(expected.map((s) => s.id));
  });

  it("starts an idle partition's next part sealed when its newest is full, so a write it planned before the seal loses and the record is late", async () => {
    // Prepare: partition 1 fills part 0 of [1000, 2000) to the brim, then goes idle; partition 0 moves on to 5000.
    const inner = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ partitions: 2, idleTimeoutMs: IDLE_MS });
    let now = NOW;
    const clock = (): number => now;
    const early: Sale[] = [];
    const fill = feeder(definition, inner, { clock });
    for (let i = 0; panesOf(inner, 1).at(-1)?.full !== true && i < 100; i += 1) {
      early.push(sale(`e${String(i).padStart(3, '0')}`, 1100 + i));
      await fill(1, early.slice(-1));
    }
    now += 2 * IDLE_MS;
    await fill(0, [sale('a', 2500, 'other'), sale('push', 5000, 'other')]);
    // The closer seals partition 1 just after its straggler's plan read the full part and before it writes the next.
    const store = interceptFirstWrite(
      inner,
      (write) => write.id.sk === 'sales#1#0001',
      () => closeDueWindows({ definition, store: inner, now: () => now }),
    );

    // Act
    const straggler = await feeder(definition, store, { clock })(1, [sale('straggler', 1900)], early.length);

    // Assess
    expect(straggler.deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[early.length, 'LATE_EVENT']]);
    expect(resultOf(inner, 1000)).toEqual(early.map((s) => s.id));
  });

  it('reads nothing for a warm batch that fills parts, and a cold one reads a busy slice of each share in few round trips', async () => {
    // Prepare
    const definition = countedPerSecond();
    const warm = countingReads(new InMemoryStateStore());
    const deps = { definition, store: warm.store, cache: new PartitionStateCache(), panePartBytes: PART_BYTES };
    await runPartition(deps, batch([sale('a', 100, 'k0')]));
    const cold = countingReads(new InMemoryStateStore());
    const tenSlices = Array.from({ length: 10 }, (_, second) => Array.from({ length: 30 }, (_, i) => sale(`s${second}-${i}`, second * 1000 + i, `key-${i}`))).flat();
    await runPartition({ definition, store: cold.store, panePartBytes: PART_BYTES }, batch(tenSlices));
    const parts = (await cold.store.readPartition(`WP#per-second#${String(0).padStart(16, '0')}`)).length;

    // Act: 40 new keys in the warm partition's slice; one more sale in each of the ten slices of a partition read cold.
    const warmBefore = warm.reads();
    await runPartition(deps, batch(Array.from({ length: 40 }, (_, i) => sale(`w${i}`, 100 + i, `k${i + 1}`)), { firstOffset: 1 }));
    const coldBefore = cold.reads();
    await runPartition({ definition, store: cold.store, panePartBytes: PART_BYTES }, batch(Array.from({ length: 10 }, (_, second) => sale(`x${second}`, second * 1000 + 500, 'key-new')), { firstOffset: tenSlices.length }));

    // Assess: the cold read takes the checkpoint, every slice's first part, then the rest of each share at once.
    expect(warm.reads() - warmBefore).toBe(0);
    expect(parts).toBeGreaterThan(3);
    expect(cold.reads() - coldBefore).toBe(3);
  });

  it('plans again from what was read, not from what a user aggregate changed in place, beside a pane that fills a part', async () => {
    // Prepare: 'per-key' has no merge, so it is kept per key, and its aggregate changes its accumulator in place.
    const definition = defineProcessor<Sale>({
      name: 'in-place',
      input: { topics: [{ name: 'sales', partitions: 1 }] },
      eventTime: (v) => v.t,
      views: [
        { kind: 'window', name: 'per-sale', key: (v) => v.id, window: { type: 'tumbling', sizeMs: 1000 }, aggregate: { initial: () => 0, add: (n: number) => n + 1, merge: (a: number, b: number) => a + b } },
        {
          kind: 'window',
          name: 'per-key',
          key: (v) => v.key,
          window: { type: 'tumbling', sizeMs: 1000 },
          aggregate: {
            initial: (): { ids: string[] } => ({ ids: [] }),
            add: (acc: { ids: string[] }, v: Sale) => {
              if (v.id === 'boom') throw new Error('a record the aggregate cannot take');
              acc.ids.push(v.id);
              return acc;
            },
          },
        },
      ],
    });
    const store = new InMemoryStateStore();
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 100)]);

    // Act: a failing record and a pane part filled mid-chunk both make the chunk be planned again.
    const later = [sale('b', 200), sale('boom', 300), ...sales('c', 20, 400)];
    await feed(0, later);

    // Assess
    const expected = ['a', ...later.map((s) => s.id).filter((id) => id !== 'boom')];
    expect((await keyWindowsOf(store, 'per-key', 'store-1'))?.windows[0]?.acc).toEqual({ ids: expected });
  });
});
