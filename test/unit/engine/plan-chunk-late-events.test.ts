import { describe, expect, it } from 'vitest';
import { LateEventError } from '../../../functions/core/engine/errors.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { batch, change, checkpointOf, openWindows, projectionOf, runPartition } from './engine-fixtures.js';
import { mergingTotals, sale, salesProcessor, tumbling } from './plan-chunk-fixtures.js';

describe('late events', () => {
  const views = [
    tumbling('strict', 0),
    tumbling('lenient', 5000),
    tumbling('vip', 60_000, (v) => (v.vip === true ? v.key : undefined)),
  ];

  it('applies a record that is late for one view to the others, and side-outputs it as LATE_EVENT naming the view that missed it', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('b', 8500)]));

    // Assess: the strict view's results plus its late letters account for every record it targets.
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    const error = deadLettered[0]?.error as LateEventError;
    expect([error.views, error.appliedElsewhere, error.eventTime, error.watermark]).toEqual([['strict'], true, 8500, 9999]);
    expect(error.message).toMatch(/every window of strict it belongs to has closed; the record was applied to the processor's other views/);
    expect(result.stats).toMatchObject({ applied: 2, lateForSomeViews: 1, rejected: { LATE_EVENT: 0, PROCESSING_ERROR: 0 } });
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect(await openWindows(store, 'lenient', 'store-1')).toEqual([
      [8000, 9000, 1],
      [10_000, 11_000, 1],
    ]);
  });

  it('rejects a record as LATE_EVENT when it is late for every window of every view it targets', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess: the vip view would still take it, but it does not target this record.
    expect(result.stats.rejected).toEqual({ LATE_EVENT: 1, PROCESSING_ERROR: 0 });
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    const error = deadLettered[0]?.error as LateEventError;
    expect(error).toBeInstanceOf(LateEventError);
    expect([error.eventTime, error.watermark]).toEqual([4000, 9999]);
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect(await openWindows(store, 'lenient', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('applies an equally late record when another targeted view still takes it, side-outputting it for the views that missed it', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor(views);

    // Act
    const { deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), { ...sale('vip', 4000), vip: true }]));

    // Assess: the two views that missed it side-output it; the vip view has it.
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as LateEventError).views])).toEqual([[1, 'LATE_EVENT', ['strict', 'lenient']]]);
    expect(await openWindows(store, 'vip', 'store-1')).toEqual([[4000, 5000, 1]]);
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
  });

  it('applies a record late for all its windows when a projection takes it, side-outputting it for the window view', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([
      tumbling('strict', 0),
      { kind: 'projection', name: 'last-sale', change: (v) => change('upsert', JSON.stringify([v.id]), v.t, { id: v.id }) },
    ]);

    // Act
    const { result, deadLettered } = await runPartition({ definition, store }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess: the projection has it; the window view that missed it side-outputs it.
    expect(deadLettered.map((r) => [r.record.offset, r.reason, (r.error as LateEventError).views])).toEqual([[1, 'LATE_EVENT', ['strict']]]);
    expect(result.stats).toMatchObject({ applied: 2, lateForSomeViews: 1 });
    expect(await openWindows(store, 'strict', 'store-1')).toEqual([[10_000, 11_000, 1]]);
    expect((await projectionOf(store, 'last-sale', '["late"]'))?.row).toEqual({ id: 'late' });
  });

  it('rejects a session record as LATE_EVENT once the session it would end in has closed, and takes one late alone into an open session', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = salesProcessor([
      { kind: 'window', name: 'visits', key: (v) => v.key, window: { type: 'session', gapMs: 1000 }, allowedLatenessMs: 100, aggregate: mergingTotals },
    ]);

    // Act: after 20500 the watermark is 20499. [10001, 11001) has closed (at 11100) and so has late's own [9100, 10100);
    // joins' own [19200, 20200) has too (at 20299), but it touches [20000, 21500), which closes only at 21599.
    const records = [sale('a', 10_001), sale('b', 20_000), sale('c', 20_500), sale('late', 9100), sale('joins', 19_200)];
    const { deadLettered } = await runPartition({ definition, store }, batch(records));

    // Assess
    expect(deadLettered.map((r) => r.record.offset)).toEqual([3]);
    expect(await openWindows(store, 'visits', 'store-1')).toEqual([
      [10_001, 11_001, 1],
      [19_200, 21_500, 3],
    ]);
  });
});
