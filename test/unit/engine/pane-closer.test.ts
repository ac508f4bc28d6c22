import { describe, expect, it } from 'vitest';
import { closeDueWindows } from '../../../functions/core/engine/window-closer.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { FinalWindowsBody } from '../../../functions/core/state/state-items.js';
import type { ItemWrite, StateStore } from '../../../functions/core/state/state-store.js';
import { feeder, NOW, perSecondSales, RecordingEmitter, sale, salesIdsPerSecond, ScriptedStore, windowPanes, windowResults } from './engine-fixtures.js';

const IDLE_MS = 60_000;

describe('closing windows kept in per-partition panes', () => {
  it('writes each partition to its own pane, and merges every partition into one final item per window once the minimum watermark passes it', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ partitions: 2 });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1200), sale('b', 1300, 'store-2'), sale('c', 5000)]);
    await feed(1, [sale('d', 1500)]);

    // Act
    const early = await closeDueWindows({ definition, store, now: () => NOW });
    const sharedPanes = windowPanes(store).filter((p) => p.start === 1000).map((p) => [p.partition, Object.keys(p.keys).sort()]);
    await feed(1, [sale('e', 2000, 'store-2')]);
    const closed = await closeDueWindows({ definition, store, now: () => NOW });

    // Assess
    expect([early.watermark, early.windowsClosed]).toEqual([1499, 0]);
    expect(sharedPanes).toEqual([[0, ['store-1', 'store-2']], [1, ['store-1']]]);
    expect([closed.watermark, closed.windowsClosed]).toEqual([1999, 1]);
    expect(windowResults(store)).toEqual([
      ['store-1', 1000, 2000, ['a', 'd'], 2],
      ['store-2', 1000, 2000, ['b'], 1],
    ]);
    const finals = store.snapshot().flatMap((i) => (i.body.kind === 'final-windows' ? [i.body] : []));
    expect(finals).toEqual([expect.objectContaining<Partial<FinalWindowsBody>>({ view: 'per-second', start: 1000, end: 2000, part: 0, parts: 1, closedAt: NOW })]);
    // The closed window's panes are gone; the later ones stay.
    expect(windowPanes(store).map((p) => [p.partition, p.start]).sort()).toEqual([[0, 5000], [1, 2000]]);
  });

  it('merges the slices of a hopping window, leaving out a partial that counts only towards later windows', async () => {
    // Prepare: 3 s windows sliding by 1 s, lateness 0, no out-of-orderness. 'late' arrives
    // when the partition's watermark is 4000: too late for [1000, 4000), on time for [2000, 5000) and [3000, 6000).
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ window: { type: 'hopping', sizeMs: 3000, slideMs: 1000 } });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1500), sale('b', 2500), sale('c', 3500), sale('push', 4000, 'other'), sale('late', 3200)]);

    // Act
    await closeDueWindows({ definition, store, now: () => NOW }, { watermark: Number.POSITIVE_INFINITY });

    // Assess
    expect(windowResults(store).filter(([key]) => key === 'store-1')).toEqual([
      ['store-1', -1000, 2000, ['a'], 1],
      ['store-1', 0, 3000, ['a', 'b'], 2],
      ['store-1', 1000, 4000, ['a', 'b', 'c'], 3],
      ['store-1', 2000, 5000, ['b', 'c', 'late'], 3],
      ['store-1', 3000, 6000, ['c', 'late'], 2],
    ]);
    expect(windowPanes(store).filter((p) => Object.keys(p.keys).length > 0)).toEqual([]);
  });

  it("seals the panes of an idle partition behind the watermark, so a record it gets later for windows closed without it is LATE, while the other partitions' records are in them", async () => {
    // Prepare: partition 1 goes idle at 2000; partition 0 moves on to 5000.
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ partitions: 2, idleTimeoutMs: IDLE_MS, window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } });
    let now = NOW;
    const feed = feeder(definition, store, () => now);
    await feed(1, [sale('old', 1100)]);
    now += 2 * IDLE_MS;
    await feed(0, [sale('a', 2500), sale('push', 5000, 'other')]);

    // Act: the closer closes [1000, 3000) and [2000, 4000) without partition 1, sealing its panes of 1000..3000.
    const closed = await closeDueWindows({ definition, store, now: () => now });
    const straggler = await feed(1, [sale('straggler', 2100)]);

    // Assess
    expect(closed.watermark).toBe(4999);
    expect(windowResults(store).filter(([key]) => key === 'store-1')).toEqual([
      ['store-1', 0, 2000, ['old'], 1],
      ['store-1', 1000, 3000, ['a', 'old'], 2],
      ['store-1', 2000, 4000, ['a'], 1],
    ]);
    // [2000, 4000) closed without it: it was sealed out of every window of its slice that had closed.
    expect(straggler.deadLettered.map((r) => r.reason)).toEqual(['LATE_EVENT']);
    const sealed = windowPanes(store).find((p) => p.partition === 1 && p.start === 2000);
    expect(sealed).toMatchObject({ sealedThrough: 4000, keys: {} });
  });

  it('closes a window once when two closers race, announcing it under one deduplication id', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ partitions: 2 });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1200), sale('z', 3000, 'other')]);
    await feed(1, [sale('b', 1500), sale('y', 3000, 'other')]);
    const emitter = new RecordingEmitter();

    // Act
    const [first, second] = await Promise.all([
      closeDueWindows({ definition, store, emitter, now: () => NOW }),
      closeDueWindows({ definition, store, emitter, now: () => NOW }),
    ]);

    // Assess
    expect(windowResults(store)).toEqual([['store-1', 1000, 2000, ['a', 'b'], 2]]);
    expect(first.windowsClosed + second.windowsClosed).toBeGreaterThanOrEqual(1);
    const announced = emitter.calls.flat().map((e) => [e.deduplicationId, JSON.parse(e.body) as unknown]);
    expect(new Set(announced.map(([id]) => id)).size).toBe(1);
    expect(new Set(announced.map(([, body]) => JSON.stringify(body))).size).toBe(1);
  });

  it('leaves a window open when the emitter throws, and closes it with the same announcement on the next run', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond();
    await feeder(definition, store)(0, [sale('a', 1200), sale('z', 3000, 'other')]);
    const emitter = new RecordingEmitter([], true);

    // Act
    const failed = await closeDueWindows({ definition, store, emitter, now: () => NOW }).catch((error: unknown) => error);
    const afterFailure = windowResults(store);
    emitter.failing = false;
    await closeDueWindows({ definition, store, emitter, now: () => NOW });

    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(afterFailure).toEqual([]);
    expect(windowResults(store)).toEqual([['store-1', 1000, 2000, ['a'], 1]]);
    const [first, second] = emitter.calls.map((call) => call.map((e) => e.deduplicationId));
    expect(second).toEqual(first);
  });

  it('splits a large window into result parts and counts it final only once part 0 is written, which it writes last', async () => {
    // Prepare: 30 keys of 12 KB results each, 360 KB in all (one pane holds them): two parts of at most 300 KB.
    const store = new InMemoryStateStore();
    const definition = perSecondSales({ initial: () => '', add: (text: string) => text + 'x'.repeat(12_000), merge: (a: string, b: string) => a + b }, { name: 'wide' });
    await feeder(definition, store)(0, [...Array.from({ length: 30 }, (_, i) => sale(`s${i}`, 1100, `k${String(i).padStart(2, '0')}`)), sale('push', 3000, 'other')]);
    const order: string[] = [];
    const crashing = new ScriptedStore(store, (_attempt, writes: readonly ItemWrite[]) => {
      const body = writes[0]?.body;
      if (body?.kind !== 'final-windows') return;
      order.push(`part ${body.part} of ${body.parts}`);
      if (body.part === 0 && order.length === 2) throw new Error('crashed before part 0');
    });

    // Act
    const crashed = await closeDueWindows({ definition, store: crashing, now: () => NOW }).catch((error: unknown) => error);
    const afterCrash = windowResults(store);
    await closeDueWindows({ definition, store: crashing, now: () => NOW });

    // Assess
    expect(crashed).toBeInstanceOf(Error);
    expect(afterCrash).toEqual([]);
    expect(order.slice(0, 2)).toEqual(['part 1 of 2', 'part 0 of 2']);
    expect(windowResults(store).map(([key, , , , count]) => [key, count])).toEqual(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 1]));
  });

  it('keeps event ids in the pane, so a repeat at a later offset is a duplicate while its window is open, without an item per event', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ dedup: true });
    const feed = feeder(definition, store);

    // Act
    await feed(0, [sale('a', 1200), sale('b', 1300)]);
    const repeat = await feed(0, [sale('a', 1200), sale('c', 1400)]);

    // Assess
    expect(repeat.result.stats).toMatchObject({ applied: 1, duplicates: 1 });
    expect(store.snapshot().filter((i) => i.body.kind === 'dedup')).toEqual([]);
    expect(windowPanes(store).map((p) => p.ids)).toEqual([{ a: 0, b: 1, c: 3 }]);
  });
});

describe('closing windows kept in panes, two closers racing', () => {
  /** The store as one closer sees it: its `readPartition` calls from the n-th on wait for `gate`. */
  class GatedStore implements StateStore {
    private reads = 0;
    public constructor(
      private readonly inner: StateStore,
      private readonly gateAtRead: number,
      private readonly gate: Promise<void>,
      private readonly onGate: () => void,
    ) {}

    public read(ids: Parameters<StateStore['read']>[0]): ReturnType<StateStore['read']> {
      return this.inner.read(ids);
    }
    public commit(writes: readonly ItemWrite[]): ReturnType<StateStore['commit']> {
      return this.inner.commit(writes);
    }
    public write(write: ItemWrite): Promise<boolean> {
      return this.inner.write(write);
    }
    public async readPartition(pk: string): ReturnType<StateStore['readPartition']> {
      this.reads += 1;
      if (this.reads === this.gateAtRead) {
        this.onGate();
        await this.gate;
      }
      return this.inner.readPartition(pk);
    }
    public listCheckpoints(): ReturnType<StateStore['listCheckpoints']> {
      return this.inner.listCheckpoints();
    }
    public findDueKeyWindows(closesAtOrBefore: number, limit: number): ReturnType<StateStore['findDueKeyWindows']> {
      return this.inner.findDueKeyWindows(closesAtOrBefore, limit);
    }
  }

  it('does not announce what is left of a window whose panes another closer deleted while it read them', async () => {
    // Prepare: 2 s windows sliding by 1 s; [1000, 3000) spans the slices at 1000 and 2000.
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } });
    await feeder(definition, store)(0, [sale('a', 1500), sale('b', 2500), sale('push', 2999, 'other')]);
    const emitter = new RecordingEmitter();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let atGate = (): void => undefined;
    const reachedGate = new Promise<void>((resolve) => (atGate = resolve));
    // The slow closer stops in its read of [1000, 3000)'s panes (reads: [0, 2000)'s two slices, then
    // [1000, 3000)'s: the 3rd read, of the slice at 1000, which the fast closer deletes meanwhile).
    const slow = new GatedStore(store, 3, gate, () => atGate());

    // Act: the slow closer reads, the fast one closes everything and deletes the slice at 1000, the slow one goes on.
    const slowRun = closeDueWindows({ definition, store: slow, emitter, now: () => NOW }, { watermark: 2999 });
    await reachedGate;
    await closeDueWindows({ definition, store, emitter, now: () => NOW }, { watermark: 2999 });
    release();
    await slowRun;

    // Assess: every announcement of a window says the same, the whole window.
    const byWindow = new Map<string, Set<string>>();
    for (const e of emitter.calls.flat()) {
      const body = JSON.parse(e.body) as { key: string; windowStart: number; payload: unknown };
      byWindow.set(`${body.key}@${body.windowStart}`, (byWindow.get(`${body.key}@${body.windowStart}`) ?? new Set()).add(JSON.stringify(body.payload)));
    }
    expect([...byWindow.get('store-1@1000') ?? []]).toEqual([JSON.stringify({ ids: ['a', 'b'], count: 2 })]);
    expect(windowResults(store).filter(([key]) => key === 'store-1')).toEqual([
      ['store-1', 0, 2000, ['a'], 1],
      ['store-1', 1000, 3000, ['a', 'b'], 2],
    ]);
  });
});
