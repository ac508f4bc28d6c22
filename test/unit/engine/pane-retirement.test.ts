import { describe, expect, it } from 'vitest';
import { FinalWindowsSeen } from '../../../functions/core/engine/final-windows-seen.js';
import { closeDueWindows } from '../../../functions/core/engine/window-closer.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { ItemWrite, StateStore } from '../../../functions/core/state/state-store.js';
import { feeder, NOW, sale, salesIdsPerSecond, windowPanes, windowResults } from './engine-fixtures.js';

const IDLE_MS = 60_000;

describe('retiring panes', () => {
  it('leaves the sealed empty panes of an idle partition out of the open-windows index, so they never crowd out what is due', async () => {
    // Prepare: partition 1 never reports; partition 0 moves through many 1-second slices of 2-second windows.
    const store = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ partitions: 2, idleTimeoutMs: IDLE_MS, window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } });
    let now = NOW;
    const feed = feeder(definition, store, () => now);
    await feed(0, [sale('first', 1100)]);
    now += 2 * IDLE_MS;

    // Act: a record per slice, the closer after each.
    for (let t = 1500; t < 12_000; t += 1000) {
      await feed(0, [sale(`s${t}`, t)]);
      await closeDueWindows({ definition, store, now: () => now });
    }

    // Assess: every due item in the index is a pane with something in it.
    const due = await store.findDueKeyWindows(Number.POSITIVE_INFINITY, 1000);
    const bodies = await store.read(due);
    const empty = [...bodies.values()].filter((item) => item.body.kind === 'window-pane' && Object.keys(item.body.keys).length === 0);
    expect(empty).toEqual([]);
    expect(windowPanes(store).filter((p) => p.partition === 1).length).toBeGreaterThan(0);
  });

  it('keeps a slice until every window spanning it is final, even when a later window closes first', async () => {
    // Prepare: [1000, 3000) loses the race for its result on the first run (another closer would write it);
    // [2000, 4000) closes. Both span the slice at 2000.
    const inner = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ window: { type: 'hopping', sizeMs: 2000, slideMs: 1000 } });
    await feeder(definition, inner)(0, [sale('a', 1500), sale('b', 2500), sale('c', 3500), sale('push', 5000, 'other')]);
    let losing = true;
    const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
      write: (write: ItemWrite) => (losing && write.body?.kind === 'final-windows' && write.body.start === 1000 ? Promise.resolve(false) : inner.write(write)),
    });

    // Act: one process, whose memory of final windows must not take the lost write for a written one.
    const seen = new FinalWindowsSeen();
    await closeDueWindows({ definition, store, now: () => NOW, seen }, { watermark: 3999 });
    const slice2000Kept = windowPanes(inner).some((p) => p.start === 2000);
    losing = false;
    await closeDueWindows({ definition, store, now: () => NOW, seen }, { watermark: 3999 });

    // Assess
    expect(slice2000Kept).toBe(true);
    expect(windowResults(inner).filter(([key]) => key === 'store-1')).toEqual([
      ['store-1', 0, 2000, ['a'], 1],
      ['store-1', 1000, 3000, ['a', 'b'], 2],
      ['store-1', 2000, 4000, ['b', 'c'], 2],
    ]);
  });

  it('does not read again the results of windows it has seen final while their slices wait for later windows', async () => {
    // Prepare: 3 s windows sliding by 1 s, so each slice waits for three windows; one record per second.
    const inner = new InMemoryStateStore();
    const definition = salesIdsPerSecond({ window: { type: 'hopping', sizeMs: 3000, slideMs: 1000 } });
    const feed = feeder(definition, inner);
    const finalReads: string[] = [];
    const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
      read: (ids: Parameters<StateStore['read']>[0]) => {
        finalReads.push(...ids.filter((id) => id.pk.startsWith('FWS#')).map((id) => `${id.pk}/${id.sk}`));
        return inner.read(ids);
      },
    });
    const seen = new FinalWindowsSeen();

    // Act: a record a second, the closer after each, as an invocation would.
    for (let t = 500; t < 10_000; t += 1000) {
      await feed(0, [sale(`s${t}`, t)]);
      await closeDueWindows({ definition, store, now: () => NOW, seen });
    }

    // Assess: each window's result was looked for at most twice (before it closed, and once as it closed),
    // not on every run while its slices stayed due; and the results are whole.
    const perWindow = new Map<string, number>();
    for (const read of finalReads) perWindow.set(read, (perWindow.get(read) ?? 0) + 1);
    expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(2);
    expect(windowResults(inner).filter(([key]) => key === 'store-1').slice(0, 3)).toEqual([
      ['store-1', -2000, 1000, ['s500'], 1],
      ['store-1', -1000, 2000, ['s1500', 's500'], 2],
      ['store-1', 0, 3000, ['s1500', 's2500', 's500'], 3],
    ]);
  });

  it('retires a slice in the same run when a racing closer wrote the window\'s result first', async () => {
    // Prepare: another closer writes [1000, 2000)'s result just before this one does.
    const inner = new InMemoryStateStore();
    const definition = salesIdsPerSecond();
    await feeder(definition, inner)(0, [sale('a', 1500), sale('push', 2500, 'other')]);
    let raced = false;
    const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
      write: async (write: ItemWrite) => {
        if (!raced && write.body?.kind === 'final-windows' && write.body.start === 1000) {
          raced = true;
          await inner.write(write);
        }
        return inner.write(write);
      },
    });

    // Act
    await closeDueWindows({ definition, store, now: () => NOW }, { watermark: 1999 });

    // Assess: the result stands once, and the slice is gone.
    expect(raced).toBe(true);
    expect(windowResults(inner)).toEqual([['store-1', 1000, 2000, ['a'], 1]]);
    expect(windowPanes(inner).filter((p) => p.start === 1000)).toEqual([]);
  });
});
