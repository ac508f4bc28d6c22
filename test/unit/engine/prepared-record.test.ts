import { describe, expect, it } from 'vitest';
import { defineProcessor, type ProcessorDefinition } from '../../../functions/core/engine/definition.js';
import { prepareRecord } from '../../../functions/core/engine/prepared-record.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { batch, change, decoded, keyWindowsOf, runPartition, TOPIC } from './engine-fixtures.js';

interface Sale {
  readonly id: string;
  readonly key?: string;
  readonly t?: number;
}

function salesProcessor(): ProcessorDefinition {
  return defineProcessor<Sale>({
    name: 'store-sales',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    // Decoded data is whatever arrived: a record may lack the field the types promise.
    eventTime: (v) => v.t as number,
    dedup: { eventId: (v) => v.id, horizonMs: 60_000 },
    views: [
      { kind: 'window', name: 'per-second', key: (v) => v.key, window: { type: 'tumbling', sizeMs: 1000 }, aggregate: { initial: () => 0, add: (n: number) => n + 1 } },
      { kind: 'projection', name: 'last-sale', change: (v) => (v.key === undefined ? undefined : change('upsert', JSON.stringify([v.key]), 1, { id: v.id })) },
    ],
  });
}

describe('prepareRecord', () => {
  it('applies every user function once and keeps the answers per view, in definition order', () => {
    // Prepare
    const record = decoded(3, { id: 'e-1', key: 'store-1', t: 1234 });

    // Act
    const prepared = prepareRecord(salesProcessor(), record);

    // Assess
    expect(prepared.failure).toBeUndefined();
    expect(prepared.record).toBe(record);
    expect(prepared.eventTime).toBe(1234);
    expect(prepared.eventId).toBe('e-1');
    expect(prepared.perView).toEqual(['store-1', change('upsert', '["store-1"]', 1, { id: 'e-1' })]);
  });

  it('leaves a view out when its function returns undefined', () => {
    // Prepare / Act
    const prepared = prepareRecord(salesProcessor(), decoded(0, { id: 'e-1', t: 1234 }));

    // Assess
    expect(prepared.failure).toBeUndefined();
    expect(prepared.perView).toEqual([undefined, undefined]);
  });

  it('rejects a record whose eventTime returns undefined instead of a number', () => {
    // Prepare / Act
    const prepared = prepareRecord(salesProcessor(), decoded(0, { id: 'e-1', key: 'store-1' }));

    // Assess
    expect(prepared.failure?.message).toBe('eventTime returned undefined, not an epoch-millisecond number');
    expect(prepared.perView).toEqual([]);
  });

  it('rejects a record whose eventTime returns a string', () => {
    // Prepare / Act
    const prepared = prepareRecord(salesProcessor(), decoded(0, { id: 'e-1', key: 'store-1', t: '1234' as unknown as number }));

    // Assess
    expect(prepared.failure?.message).toBe('eventTime returned 1234, not an epoch-millisecond number');
  });

  it('dead-letters a record without an event time instead of counting it in a window at the epoch', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    const { deadLettered } = await runPartition({ definition: salesProcessor(), store }, batch([{ id: 'no-time', key: 'store-1' }, { id: 'a', key: 'store-1', t: 5000 }]));

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[0, 'PROCESSING_ERROR']]);
    expect((await keyWindowsOf(store, 'per-second', 'store-1'))?.windows.map((w) => [w.start, w.count])).toEqual([[5000, 1]]);
  });
});
