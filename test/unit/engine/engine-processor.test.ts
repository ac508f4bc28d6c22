import { describe, expect, it } from 'vitest';
import { createEngineProcessor } from '../../../functions/core/engine/engine-processor.js';
import { EngineOptionError } from '../../../functions/core/engine/errors.js';
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
  it.each([0, 99, 300_001, 1.5, Number.NaN])('refuses a pane part size of %s, naming the option and the value', (panePartBytes) => {
    const create = (): unknown => createEngineProcessor(perSecond, { store: new InMemoryStateStore(), panePartBytes });
    expect(create).toThrow(EngineOptionError);
    expect(create).toThrow(`panePartBytes must be an integer from 100 to 300000, got ${panePartBytes}`);
  });

  it('closes one at a time: invocations that finish while a close runs return at once, and that close runs once more for them', async () => {
    // Prepare
    const gated = gatedStore();
    const engine = createEngineProcessor(perSecond, { store: gated.store, now: () => NOW, closing: 'every-process' });

    // Act: two invocations finish while the first one's close waits.
    let firstDone = false;
    const first = engine.afterBatch().then(() => (firstDone = true));
    const others = await Promise.all([engine.afterBatch(), engine.afterBatch()]).then(() => 'returned');
    const duringFirst = gated.closesStarted();
    gated.release();
    await settle();
    const afterFirst = gated.closesStarted();
    const firstDoneBeforeRerun = firstDone;
    gated.release();
    await first;
    // Nothing runs now: the next invocation closes again.
    const next = engine.afterBatch();
    await settle();
    gated.release();
    await next;

    // Assess
    expect(others).toBe('returned');
    expect([duringFirst, afterFirst, gated.closesStarted()]).toEqual([1, 2, 3]);
    expect(firstDoneBeforeRerun).toBe(false);
  });

  it('leaves a request it could not serve to the next invocation when its close failed', async () => {
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
    const engine = createEngineProcessor(perSecond, { store, now: () => NOW, closing: 'every-process' });

    // Act
    const [first, second] = await Promise.allSettled([engine.afterBatch(), engine.afterBatch()]);
    const third = await Promise.allSettled([engine.afterBatch()]);

    // Assess
    expect([first.status, second.status, third[0]?.status]).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(calls).toBe(2);
  });
});
