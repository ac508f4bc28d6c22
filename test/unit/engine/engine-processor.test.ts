import { describe, expect, it } from 'vitest';
import { createEngineProcessor } from '../../../functions/core/engine/engine-processor.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { StateStore } from '../../../functions/core/state/state-store.js';
import { countedPerSecond, NOW } from './engine-fixtures.js';

const perSecond = countedPerSecond({ partitions: 2 });

/** A store whose closes (each starts by listing checkpoints) wait for `release`, counted. */
function gatedStore(): { store: StateStore; closesStarted: () => number; release: () => void } {
  const inner = new InMemoryStateStore();
  let started = 0;
  let open: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => (open = resolve));
  const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
    listCheckpoints: async () => {
      started += 1;
      await gate;
      return inner.listCheckpoints();
    },
  });
  return {
    store,
    closesStarted: () => started,
    release: () => {
      open();
      gate = new Promise<void>((resolve) => (open = resolve));
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('createEngineProcessor', () => {
  it('closes one at a time: invocations that finish while a close runs share one more, started after it', async () => {
    // Prepare
    const gated = gatedStore();
    const engine = createEngineProcessor(perSecond, { store: gated.store, now: () => NOW });

    // Act: three invocations finish while the first one's close waits.
    const first = engine.afterBatch();
    const second = engine.afterBatch();
    const third = engine.afterBatch();
    await settle();
    const duringFirst = gated.closesStarted();
    gated.release();
    await first;
    await settle();
    const afterFirst = gated.closesStarted();
    // A fourth finishes while the shared one runs: it gets a close of its own after that.
    const fourth = engine.afterBatch();
    gated.release();
    await Promise.all([second, third]);
    await settle();
    gated.release();
    await fourth;

    // Assess
    expect([duringFirst, afterFirst, gated.closesStarted()]).toEqual([1, 2, 3]);
  });

  it('runs the next close even when the one it waited for failed', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    let calls = 0;
    const store: StateStore = Object.assign(Object.create(inner) as StateStore, {
      listCheckpoints: async () => {
        calls += 1;
        await settle();
        if (calls === 1) throw new Error('throttled');
        return inner.listCheckpoints();
      },
    });
    const engine = createEngineProcessor(perSecond, { store, now: () => NOW });

    // Act
    const [first, second] = await Promise.allSettled([engine.afterBatch(), engine.afterBatch()]);

    // Assess
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(calls).toBe(2);
  });
});
