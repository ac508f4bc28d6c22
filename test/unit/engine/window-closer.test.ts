import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition, type WindowSpec } from '../../../functions/core/engine/definition.js';
import { closeDueWindows, type WindowCloserDeps } from '../../../functions/core/engine/window-closer.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import type { FinalWindowBody } from '../../../functions/core/state/state-items.js';
import { StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { caught } from '../../helpers/caught.js';
import { decoded, feeder, finalWindowOf, keyWindowsOf, NOW, openWindows, RecordingEmitter, runPartition, sale, salesIdsPerSecond, ScriptedStore } from './engine-fixtures.js';

const IDLE_MS = 60_000;

/** Fixed windows without merge keep the per-key layout, whose closing these tests pin down (pane-closer.test.ts has the panes'). */
function salesProcessor(options: { partitions?: number; allowedLatenessMs?: number; idleTimeoutMs?: number; window?: WindowSpec } = {}): ProcessorDefinition {
  return salesIdsPerSecond({ ...options, perKey: true });
}

const close = (deps: Omit<WindowCloserDeps, 'now'> & { now?: () => number }) => closeDueWindows({ now: () => NOW, ...deps });

function finalWindows(store: InMemoryStateStore): FinalWindowBody[] {
  return store.snapshot().flatMap((i) => (i.body.kind === 'final-window' ? [i.body] : []));
}

/** Records of topic 't' counted in 1-second windows of view 'w', all under key 'k'; `emit` gives a closed window's announcement. */
function countedWindowsOfW(name: string, emit?: () => unknown): ProcessorDefinition {
  return defineProcessor<unknown>({
    name,
    input: { topics: [{ name: 't', partitions: 1 }] },
    eventTime: () => 0,
    views: [{ kind: 'window', name: 'w', key: () => 'k', window: { type: 'tumbling', sizeMs: 1000 }, aggregate: { initial: () => 0, add: (a: number) => a + 1 }, emit }],
  });
}

describe('closeDueWindows', () => {
  it('closes nothing before every declared partition has a watermark', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ partitions: 2 });
    await feeder(definition, store)(0, [sale('a', 1000), sale('b', 9000)]);

    // Act
    const result = await close({ definition, store });

    // Assess
    expect(result).toEqual({ watermark: Number.NEGATIVE_INFINITY, windowsClosed: 0, emitted: 0 });
    expect(finalWindows(store)).toEqual([]);
  });

  it('closes a window only once the minimum watermark over the partitions reaches its end - 1', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ partitions: 2 });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1200), sale('b', 5000)]);
    await feed(1, [sale('c', 1500)]);

    // Act
    const atSlowest = await close({ definition, store });
    await feed(1, [sale('d', 1999)]);
    const justBefore = await close({ definition, store });
    await feed(1, [sale('e', 1999, 'store-2'), sale('f', 2000, 'store-2')]);
    const atEnd = await close({ definition, store });

    // Assess: the watermark is the slowest partition's newest event time less 1.
    expect([atSlowest.watermark, atSlowest.windowsClosed]).toEqual([1499, 0]);
    expect([justBefore.watermark, justBefore.windowsClosed]).toEqual([1998, 0]);
    expect([atEnd.watermark, atEnd.windowsClosed]).toEqual([1999, 2]);
    expect(await finalWindowOf(store, 'per-second', 'store-1', 1000, 2000)).toEqual({
      kind: 'final-window',
      view: 'per-second',
      key: 'store-1',
      start: 1000,
      end: 2000,
      result: ['a', 'c', 'd'],
      count: 3,
      closedAt: NOW,
    });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[5000, 6000, 1]]);
    expect((await keyWindowsOf(store, 'per-second', 'store-1'))?.closedThrough).toBe(2000);
  });

  it('keeps a window open through its allowed lateness', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ allowedLatenessMs: 500 });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1200), sale('b', 2499, 'store-2')]);

    // Act
    const before = await close({ definition, store });
    await feed(0, [sale('c', 2500, 'store-2')]);
    const after = await close({ definition, store });

    // Assess
    expect(before.windowsClosed).toBe(0);
    expect(after.windowsClosed).toBe(1);
    expect(await finalWindowOf(store, 'per-second', 'store-1', 1000, 2000)).toMatchObject({ result: ['a'], count: 1 });
  });

  it('closes a session once the watermark reaches its end - 1 + lateness', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ window: { type: 'session', gapMs: 1000 }, allowedLatenessMs: 100 });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1000), sale('b', 1500), sale('x', 2599, 'store-2')]);

    // Act
    const before = await close({ definition, store });
    await feed(0, [sale('y', 2600, 'store-2')]);
    const after = await close({ definition, store });

    // Assess
    expect(before.windowsClosed).toBe(0);
    expect(after.windowsClosed).toBe(1);
    expect(await finalWindowOf(store, 'per-second', 'store-1', 1000, 2500)).toMatchObject({ result: ['a', 'b'], count: 2 });
  });

  it('writes a final window once: a second run finds nothing to close', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor();
    await feeder(definition, store)(0, [sale('a', 1000), sale('b', 1500, 'store-2'), sale('c', 3000)]);
    const emitter = new RecordingEmitter();
    const first = await close({ definition, store, emitter });
    const afterFirst = store.snapshot();

    // Act
    const second = await close({ definition, store, emitter });

    // Assess
    expect([first.windowsClosed, first.emitted]).toEqual([2, 2]);
    expect([second.windowsClosed, second.emitted]).toEqual([0, 0]);
    expect(emitter.calls.flat()).toHaveLength(2);
    expect(store.snapshot()).toEqual(afterFirst);
    const finals = store.snapshot().filter((i) => i.body.kind === 'final-window');
    expect(finals.map((i) => i.rev)).toEqual([1, 1]);
  });

  it('emits before the commit, with a deduplication id that stays the same when the close is retried', async () => {
    // Prepare
    const events: string[] = [];
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    await feeder(definition, inner)(0, [sale('a', 1000), sale('b', 3000)]);
    const store = new ScriptedStore(
      inner,
      (attempt) => {
        if (attempt === 1) throw new StateStoreUnavailableError('throttled');
      },
      events,
    );
    const emitter = new RecordingEmitter(events);

    // Act
    const result = await close({ definition, store, emitter });

    // Assess
    expect(events).toEqual(['emit', 'emit', 'commit']);
    expect(result).toMatchObject({ windowsClosed: 1, emitted: 1 });
    const [first, retry] = emitter.calls;
    expect(first).toHaveLength(1);
    expect(retry).toEqual(first);
    expect(first?.[0]?.deduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(first?.[0]?.body ?? '')).toEqual({
      processor: 'store-sales',
      view: 'per-second',
      key: 'store-1',
      windowStart: 1000,
      windowEnd: 2000,
      payload: { ids: ['a'], count: 1 },
    });
  });

  it('leaves the windows open when the emitter throws, and announces them with the same deduplication id on the next run', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor();
    await feeder(definition, store)(0, [sale('a', 1000), sale('b', 3000)]);
    const failing = new RecordingEmitter([], true);
    const working = new RecordingEmitter();

    // Act
    const error = await caught(close({ definition, store, emitter: failing }));
    const openAfterFailure = await openWindows(store, 'per-second', 'store-1');
    const finalsAfterFailure = finalWindows(store);
    await close({ definition, store, emitter: working });

    // Assess
    expect((error as Error).message).toBe('SQS is down');
    expect(openAfterFailure).toEqual([
      [1000, 2000, 1],
      [3000, 4000, 1],
    ]);
    expect(finalsAfterFailure).toEqual([]);
    expect(working.calls[0]?.map((e) => e.deduplicationId)).toEqual(failing.calls[0]?.map((e) => e.deduplicationId));
    expect(await finalWindowOf(store, 'per-second', 'store-1', 1000, 2000)).toMatchObject({ view: 'per-second', key: 'store-1', start: 1000, end: 2000, result: ['a'], count: 1 });
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[3000, 4000, 1]]);
  });

  it('closes a key with more than 99 due windows over several runs, each in one transaction', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    await feeder(definition, inner)(0, [...Array.from({ length: 150 }, (_, i) => sale(`s${i}`, i * 1000)), sale('last', 200_000)]);
    const store = new ScriptedStore(inner);

    // Act
    const runs = [];
    for (let i = 0; i < 3; i += 1) runs.push((await close({ definition, store })).windowsClosed);

    // Assess
    expect(runs).toEqual([99, 51, 0]);
    // DynamoDB's documented TransactWriteItems limit is 100 items.
    for (const { writes } of store.commits) expect(writes.length).toBeLessThanOrEqual(100);
    expect(finalWindows(inner)).toHaveLength(150);
    expect(await openWindows(inner, 'per-second', 'store-1')).toEqual([[200_000, 201_000, 1]]);
    expect((await keyWindowsOf(inner, 'per-second', 'store-1'))?.closedThrough).toBe(150_000);
  });

  it('closes keys one at a time when their due windows together exceed one transaction', async () => {
    // Prepare
    const inner = new InMemoryStateStore();
    const definition = salesProcessor();
    const twoKeys = Array.from({ length: 60 }, (_, i) => [sale(`a${i}`, i * 1000, 'store-1'), sale(`b${i}`, i * 1000, 'store-2')]).flat();
    await feeder(definition, inner)(0, [...twoKeys, sale('last', 100_000, 'other')]);
    const store = new ScriptedStore(inner);

    // Act
    const result = await close({ definition, store });

    // Assess
    expect(result.windowsClosed).toBe(120);
    expect(store.commits.map((c) => [c.committed, c.writes.length])).toEqual([
      [true, 61],
      [true, 61],
    ]);
    expect(finalWindows(inner)).toHaveLength(120);
  });

  it('closes the windows of many keys in one run, at most maxKeysPerRun keys at a time', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor();
    await feeder(definition, store)(0, [...Array.from({ length: 25 }, (_, i) => sale(`s${i}`, 1000 + i, `k-${i}`)), sale('last', 5000, 'other')]);

    // Act
    const first = await close({ definition, store, maxKeysPerRun: 20 });
    const second = await close({ definition, store, maxKeysPerRun: 20 });

    // Assess
    expect([first.windowsClosed, second.windowsClosed]).toEqual([20, 5]);
    expect(finalWindows(store)).toHaveLength(25);
  });

  it('makes a later record for a closed window LATE even when its idle partition has no watermark yet', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ partitions: 2, idleTimeoutMs: IDLE_MS });
    const feed = feeder(definition, store);
    await feed(0, [sale('a', 1000), sale('b', 5000, 'store-2')]);
    const beforeIdle = await close({ definition, store, now: () => NOW + IDLE_MS });
    const afterIdle = await close({ definition, store, now: () => NOW + IDLE_MS + 1 });

    // Act: partition 1 wakes up with a record for the closed window, and one for a window still open.
    const { deadLettered, result } = await feed(1, [sale('late', 1500), sale('on-time', 2500)], NOW + IDLE_MS + 2);

    // Assess
    expect([beforeIdle.watermark, beforeIdle.windowsClosed]).toEqual([Number.NEGATIVE_INFINITY, 0]);
    expect([afterIdle.watermark, afterIdle.windowsClosed]).toEqual([4999, 1]);
    expect(deadLettered.map((r) => [r.record.partition, r.record.offset, r.reason])).toEqual([[1, 0, 'LATE_EVENT']]);
    expect(result.stats.applied).toBe(1);
    expect(await openWindows(store, 'per-second', 'store-1')).toEqual([[2000, 3000, 1]]);
    expect(await finalWindowOf(store, 'per-second', 'store-1', 1000, 2000)).toMatchObject({ result: ['a'], count: 1 });
  });

  it('closes at the watermark it is given, whatever the checkpoints say', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor({ partitions: 3 });
    await runPartition({ definition, store }, [decoded(0, sale('a', 1000), { topic: 'sales' })]);

    // Act
    const result = await closeDueWindows({ definition, store, now: () => NOW }, { watermark: Number.POSITIVE_INFINITY });

    // Assess
    expect(result.windowsClosed).toBe(1);
    expect(await store.findDueKeyWindows(Number.POSITIVE_INFINITY, 10)).toEqual([]);
    expect(await keyWindowsOf(store, 'per-second', 'store-1')).toMatchObject({ windows: [], closedThrough: 2000 });
    expect(await store.read([itemIds.finalWindow('per-second', 'store-1', 1000, 2000)])).toHaveProperty('size', 1);
  });
});

describe('announcements too large for SQS', () => {
  it('announces the window with where its result is instead of the payload, so closing never blocks', async () => {
    // Prepare: a view whose announcement carries a 300 KB payload
    const definition = countedWindowsOfW('big', () => 'x'.repeat(300_000));
    const store = new InMemoryStateStore();
    await store.commit([{ id: itemIds.keyWindows('w', 'k'), expectedRev: 0, body: { kind: 'key-windows', view: 'w', key: 'k', windows: [{ start: 0, end: 1000, acc: 3, count: 3 }], closedThrough: null }, closesAt: 999 }]);
    const sent: string[] = [];

    // Act
    const result = await closeDueWindows({ definition, store, emitter: { emit: (batch) => (sent.push(...batch.map((e) => e.body)), Promise.resolve()) } }, { watermark: 5_000 });

    // Assess
    expect(result.windowsClosed).toBe(1);
    expect(sent).toHaveLength(1);
    expect(Buffer.byteLength(sent[0] ?? '')).toBeLessThan(1_000);
    expect(JSON.parse(sent[0] ?? '{}')).toMatchObject({ key: 'k', windowStart: 0, payloadOmitted: { reason: 'TOO_LARGE', finalWindow: itemIds.finalWindow('w', 'k', 0, 1000) } });
  });
});

describe('closing within a time budget', () => {
  it('stops between batches once the budget is spent and leaves the rest due for the next run', async () => {
    // Prepare: 30 keys with a due window each, and a store whose commits take 20 ms
    const definition = countedWindowsOfW('budget');
    const memory = new InMemoryStateStore();
    for (let k = 0; k < 30; k += 1) {
      await memory.commit([{ id: itemIds.keyWindows('w', `k${k}`), expectedRev: 0, body: { kind: 'key-windows', view: 'w', key: `k${k}`, windows: [{ start: 0, end: 1000, acc: 1, count: 1 }], closedThrough: null }, closesAt: 999 }]);
    }
    const slow = Object.assign(Object.create(memory) as InMemoryStateStore, {
      commit: async (...args: Parameters<InMemoryStateStore['commit']>) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return memory.commit(...args);
      },
    });

    // Act
    const first = await closeDueWindows({ definition, store: slow, budgetMs: 30 }, { watermark: 5_000 });
    const rest = await closeDueWindows({ definition, store: slow }, { watermark: 5_000 });

    // Assess
    expect(first.windowsClosed).toBeGreaterThan(0);
    expect(first.windowsClosed).toBeLessThan(30);
    expect(first.windowsClosed + rest.windowsClosed).toBe(30);
  });
});
