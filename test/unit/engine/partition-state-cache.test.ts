import { describe, expect, it } from 'vitest';
import { PartitionStateCache } from '../../../functions/core/engine/partition-state-cache.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { WindowPaneBody } from '../../../functions/core/state/state-items.js';
import type { StoredItem } from '../../../functions/core/state/state-store.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { batch, countedPerSecond, countingReads, runPartition, sale, TOPIC } from './engine-fixtures.js';

const perSecond = countedPerSecond({ dedup: true });

/** The sales counted for store-1 in [start, start + 1000), over every partition's pane. */
function countIn(store: InMemoryStateStore, start: number): number {
  return store
    .snapshot()
    .flatMap((item) => (item.body.kind === 'window-pane' && item.body.start === start ? [item.body] : []))
    .reduce((sum, pane: WindowPaneBody) => sum + (pane.keys['store-1'] ?? []).reduce((n, [, acc]) => n + (acc as number), 0), 0);
}

describe('executePartition with a partition state cache', () => {
  it('plans a warm partition\'s next batch from what its last commit left, reading nothing', async () => {
    // Prepare
    const counted = countingReads(new InMemoryStateStore());
    const cache = new PartitionStateCache();
    await runPartition({ definition: perSecond, store: counted.store, cache }, batch([sale('a', 1100), sale('b', 1200)]));
    const readCold = counted.itemsRead();

    // Act
    const { result } = await runPartition({ definition: perSecond, store: counted.store, cache }, batch([sale('c', 1300), sale('d', 1400)], { firstOffset: 2 }));

    // Assess: the cold batch read the checkpoint, the meta item and the pane; the warm one read nothing.
    expect(readCold).toBe(3);
    expect(counted.itemsRead()).toBe(readCold);
    expect(result.stats).toMatchObject({ applied: 2, conflicts: 0 });
  });

  it('loses a condition on a stale entry, when another process committed the partition since, and reads afresh', async () => {
    // Prepare: process A commits offsets 0-1; process B commits 2-3, but its answer is lost, so 2-5 go to A.
    const store = new InMemoryStateStore();
    const a = new PartitionStateCache();
    await runPartition({ definition: perSecond, store, cache: a }, batch([sale('a', 1100), sale('b', 1200)]));
    await runPartition({ definition: perSecond, store, cache: new PartitionStateCache() }, batch([sale('c', 1300), sale('d', 1400)], { firstOffset: 2 }));

    // Act
    const { result } = await runPartition(
      { definition: perSecond, store, cache: a },
      batch([sale('c', 1300), sale('d', 1400), sale('e', 1500), sale('f', 1600)], { firstOffset: 2 }),
    );

    // Assess
    expect(result.stats).toMatchObject({ applied: 2, skippedByCheckpoint: 2, conflicts: 1 });
    expect(countIn(store, 1000)).toBe(6);
  });

  it('plans on fresh reads when the batch starts past the remembered checkpoint: the records between moved the watermark', async () => {
    // Prepare: A commits 0-1; B commits 2, whose event time makes [1000, 2000) late; then A is given 3, in that window.
    const store = new InMemoryStateStore();
    const a = new PartitionStateCache();
    await runPartition({ definition: perSecond, store, cache: a }, batch([sale('a', 1100), sale('b', 1200)]));
    await runPartition({ definition: perSecond, store, cache: new PartitionStateCache() }, batch([sale('c', 2500)], { firstOffset: 2 }));

    // Act
    const { result, deadLettered } = await runPartition({ definition: perSecond, store, cache: a }, batch([sale('d', 1300)], { firstOffset: 3 }));

    // Assess: late on the partition's real watermark (2500), so dead-lettered and not counted.
    expect(result.stats).toMatchObject({ applied: 0, rejected: { LATE_EVENT: 1 } });
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[3, 'LATE_EVENT']]);
    expect(countIn(store, 1000)).toBe(2);
  });

  it('skips records at a remembered checkpoint only once a read confirms it: a table recreated behind a warm process gets them again', async () => {
    // Prepare
    const cache = new PartitionStateCache();
    const records = batch([sale('a', 1100), sale('b', 1200), sale('c', 1300)]);
    await runPartition({ definition: perSecond, store: new InMemoryStateStore(), cache }, records);
    const recreated = new InMemoryStateStore();

    // Act: the same records again, as after a replay into an empty table.
    const { result } = await runPartition({ definition: perSecond, store: recreated, cache }, records);

    // Assess
    expect(result.stats).toMatchObject({ applied: 3, skippedByCheckpoint: 0 });
    expect(countIn(recreated, 1000)).toBe(3);
  });

  it('does not dead-letter on a remembered checkpoint: a late record another process already dead-lettered is not sent again', async () => {
    // Prepare: A commits 0-1 and remembers only its checkpoint; B commits 2-3 and dead-letters 3, late after 2;
    // B's answer is lost, so 2-3 go to A.
    const store = new InMemoryStateStore();
    const a = new PartitionStateCache(0);
    await runPartition({ definition: perSecond, store, cache: a }, batch([sale('a', 1100), sale('b', 1200)]));
    const late = batch([sale('c', 2500), sale('d', 1300)], { firstOffset: 2 });
    const b = await runPartition({ definition: perSecond, store, cache: new PartitionStateCache() }, late);

    // Act
    const { result, deadLettered } = await runPartition({ definition: perSecond, store, cache: a }, late);

    // Assess
    expect(b.deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[3, 'LATE_EVENT']]);
    expect(deadLettered).toEqual([]);
    expect(result.stats).toMatchObject({ skippedByCheckpoint: 2, conflicts: 0 });
  });

  it('judges a duplicate on fresh reads, and still counts it once', async () => {
    // Prepare
    const counted = countingReads(new InMemoryStateStore());
    const cache = new PartitionStateCache();
    await runPartition({ definition: perSecond, store: counted.store, cache }, batch([sale('a', 1100), sale('b', 1200)]));
    const before = counted.itemsRead();

    // Act: b again, at a new offset.
    const { result } = await runPartition({ definition: perSecond, store: counted.store, cache }, batch([sale('b', 1200), sale('c', 1300)], { firstOffset: 2 }));

    // Assess
    expect(counted.itemsRead()).toBeGreaterThan(before);
    expect(result.stats).toMatchObject({ applied: 1, duplicates: 1 });
  });
});

describe('PartitionStateCache', () => {
  const pane = (start: number, rev: number): StoredItem => ({
    id: itemIds.windowPane('per-second', start, TOPIC, 0),
    rev,
    body: { kind: 'window-pane', view: 'per-second', topic: TOPIC, partition: 0, start, end: start + 1000, applied: 0, keys: {}, ids: {} },
  });
  const key = (item: StoredItem): string => `${item.id.pk}\u0000${item.id.sk}`;

  it('keeps the items committed last, up to its bound, and forgets a partition whole', () => {
    // Prepare
    const cache = new PartitionStateCache(2);
    const cursor = { checkpoint: undefined, metaExists: true };
    const [p1, p2, p3] = [pane(1000, 1), pane(2000, 1), pane(3000, 1)];

    // Act
    cache.remember(TOPIC, 0, cursor, new Map([[key(p1), p1], [key(p2), p2]]));
    cache.remember(TOPIC, 0, cursor, new Map([[key(p1), { ...p1, rev: 2 }], [key(p3), p3]]));

    // Assess: p2 was committed longest ago and went; p1 holds its latest revision.
    expect([...(cache.get(TOPIC, 0)?.items.values() ?? [])].map((i) => [i.body.kind === 'window-pane' ? i.body.start : 0, i.rev])).toEqual([
      [1000, 2],
      [3000, 1],
    ]);
    expect(cache.get(TOPIC, 1)).toBeUndefined();
    cache.forget(TOPIC, 0);
    expect(cache.get(TOPIC, 0)).toBeUndefined();
  });
});
