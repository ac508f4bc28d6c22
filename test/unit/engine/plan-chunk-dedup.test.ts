import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { DedupBody } from '../../../functions/core/state/state-items.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { batch, bodyOf, checkpointOf, decoded, keyWindowsOf, NOW, openWindows, runPartition } from './engine-fixtures.js';
import { resultOf, sale, salesProcessor, tumbling } from './plan-chunk-fixtures.js';

describe('event-id dedup', () => {
  const definition = salesProcessor([tumbling('per-second')], { dedup: { eventId: (v) => v.id, horizonMs: 60_000 } });

  it('skips a repeat of an event id within one chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    const { result } = await runPartition({ definition, store }, batch([sale('a', 1000, 1), sale('a', 1200, 1), sale('b', 1300, 10)]));

    // Assess
    expect(result.stats).toMatchObject({ applied: 2, duplicates: 1, commits: 1 });
    expect(await resultOf(store, 'per-second', 'store-1', 1000)).toMatchObject({ total: 11, ids: ['a', 'b'] });
  });

  it('skips a repeat of an event id committed by an earlier chunk', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000, 1))]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(1, sale('a', 1000, 1))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('skips an event id whose marker in state has not expired', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await store.commit([{ id: itemIds.dedup('a'), expectedRev: 0, body: { kind: 'dedup', eventId: 'a', expiresAt: NOW / 1000 + 1 } }]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await keyWindowsOf(store, 'per-second', 'store-1')).toBeUndefined();
  });

  it('applies an event id whose marker in state has expired, and renews the marker', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await store.commit([{ id: itemIds.dedup('a'), expectedRev: 0, body: { kind: 'dedup', eventId: 'a', expiresAt: NOW / 1000 - 1 } }]);

    // Act
    const { result } = await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Assess
    expect(result.stats).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 1]]);
    expect(await bodyOf<DedupBody>(store, itemIds.dedup('a'))).toEqual({ kind: 'dedup', eventId: 'a', expiresAt: (NOW + 60_000) / 1000 });
  });

  it('counts a marker as expired once processing time reaches its expiry', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000))]);

    // Act
    const justBefore = await runPartition({ definition, store, now: () => NOW + 59_999 }, [decoded(1, sale('a', 1000))]);
    const atExpiry = await runPartition({ definition, store, now: () => NOW + 60_000 }, [decoded(2, sale('a', 1000))]);

    // Assess
    expect(justBefore.result.stats.duplicates).toBe(1);
    expect(atExpiry.result.stats).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[1000, 2000, 2]]);
  });
});
