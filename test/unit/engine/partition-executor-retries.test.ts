import { describe, expect, it } from 'vitest';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { StateStoreError, StateStoreErrorReason, StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { checkpointOf, decoded, keyWindowsOf, runPartition, sale, ScriptedStore } from './engine-fixtures.js';
import { idsIn, idsPerSecond, sales, salesPerKey, unavailable } from './partition-executor-fixtures.js';

describe('executePartition', () => {
  it('re-reads after a concurrent invocation committed the same batch first, and applies nothing twice', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = idsPerSecond();
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
    const definition = idsPerSecond();
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
    const { result } = await runPartition({ definition: idsPerSecond(), store, maxAttempts: 3 }, sales(5));

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
    const { result } = await runPartition({ definition: idsPerSecond(), store, maxAttempts: 4 }, salesPerKey(250));

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
    const { result } = await runPartition({ definition: idsPerSecond(), store, maxAttempts: 2 }, sales(3, 10));

    // Assess
    expect(result.retryFromOffset).toBe(10);
    expect(result.error).toBeInstanceOf(StateStoreUnavailableError);
    expect(inner.snapshot()).toEqual([]);
  });

  it('hands the partition back at once, with what it decided, when the store refuses to read the checkpoint for good', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const store = new ScriptedStore(inner);
    store.read = () => Promise.reject(new StateStoreError('access denied', StateStoreErrorReason.INVALID_REQUEST));

    // Act
    const { result } = await runPartition({ definition: idsPerSecond(), store, maxAttempts: 5 }, sales(3, 10));

    // Assess
    expect(result.retryFromOffset).toBe(10);
    expect(result.error?.message).toBe('access denied');
    expect(result.stats).toMatchObject({ received: 3, uncommitted: 3, commits: 0 });
    expect(inner.snapshot()).toEqual([]);
  });

  it('hands the partition back after losing the condition maxAttempts times in a row', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = idsPerSecond();
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
    const { result } = await runPartition({ definition: idsPerSecond(), store }, sales(5));

    // Assess
    expect(result.retryFromOffset).toBeUndefined();
    expect(result.error).toBeUndefined();
    expect(result.stats).toMatchObject({ applied: 5, commits: 1, uncommitted: 0 });
    expect(await idsIn(inner)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect((await checkpointOf(inner))?.offset).toBe(4);
  });
});
