import { describe, expect, it } from 'vitest';
import { executePartition } from '../../../functions/core/engine/partition-executor.js';
import type { DecodedRecord } from '../../../functions/core/processing/partition-contract.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { caught } from '../../helpers/caught.js';
import { batch, checkpointOf, decoded, keyWindowsOf, NOW, openWindows, perSecondSales, runPartition, sale, type Sale, ScriptedStore, TOPIC } from './engine-fixtures.js';
import { idsPerSecond } from './partition-executor-fixtures.js';

/** A sale that may be big enough to outgrow a DynamoDB item. */
type MaybeBig = Sale & { readonly big?: boolean };

describe('executePartition', () => {
  it('dead-letters late records before the commit that moves past them', async () => {
    // Prepare
    const events: string[] = [];
    const store = new ScriptedStore(new InMemoryStateStore(), undefined, events);
    const deadLetter = (rejected: readonly { record: DecodedRecord; reason: string }[]): Promise<void> => {
      events.push(`dead-letter ${rejected.map((r) => `${r.record.offset}:${r.reason}`).join(',')}`);
      return Promise.resolve();
    };

    // Act
    await runPartition({ definition: idsPerSecond(), store, deadLetter }, batch([sale('a', 10_000), sale('late', 4000), sale('b', 10_001)]));

    // Assess
    expect(events).toEqual(['dead-letter 1:LATE_EVENT', 'commit']);
  });

  it('dead-letters a late record once when the commit after it is lost and retried', async () => {
    // Prepare
    const events: string[] = [];
    const inner = new InMemoryStateStore();
    const definition = idsPerSecond();
    const store = new ScriptedStore(
      inner,
      async (attempt) => {
        if (attempt === 1) await runPartition({ definition, store: inner }, [decoded(0, sale('other', 10_500), { partition: 1 })]);
      },
      events,
    );
    const deadLetter = (rejected: readonly { record: DecodedRecord }[]): Promise<void> => {
      events.push(`dead-letter ${rejected.map((r) => r.record.offset).join(',')}`);
      return Promise.resolve();
    };

    // Act
    const { result } = await runPartition({ definition, store, deadLetter }, batch([sale('a', 10_000), sale('late', 4000)]));

    // Assess
    expect(events).toEqual(['dead-letter 1', 'commit lost', 'commit']);
    expect(result.stats.rejected.LATE_EVENT).toBe(1);
  });

  it('leaves the checkpoint where it was when dead-lettering fails', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = idsPerSecond();
    await runPartition({ definition, store }, [decoded(0, sale('a', 10_000))]);
    const before = store.snapshot();

    // Act
    const error = await caught(
      runPartition(
        { definition, store, deadLetter: () => Promise.reject(new Error('SQS is down')) },
        batch([sale('late', 4000), sale('b', 10_500)], { firstOffset: 1 }),
      ),
    );

    // Assess
    expect((error as Error).message).toBe('SQS is down');
    expect(store.snapshot()).toEqual(before);
    expect((await checkpointOf(store))?.offset).toBe(0);
  });

  it('returns rejected records to the caller when no deadLetter is given', async () => {
    // Prepare
    const store = new InMemoryStateStore();

    // Act
    const result = await executePartition(
      {
        topic: TOPIC,
        partition: 0,
        topicPartition: `${TOPIC}-0`,
        records: batch([sale('a', 10_000), sale('late', 4000)]),
        poisonRecords: [],
        lastOffset: 1,
        deadLetter: () => Promise.resolve(),
      },
      { definition: idsPerSecond(), store, now: () => NOW, sleep: () => Promise.resolve() },
    );

    // Assess
    expect(result.rejected.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'LATE_EVENT']]);
    expect((await checkpointOf(store))?.offset).toBe(1);
  });

  it('rejects a record whose accumulator would outgrow a DynamoDB item as PROCESSING_ERROR, naming the limit, and commits the rest', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const definition = perSecondSales({ initial: () => '', add: (text: string, v: MaybeBig) => text + (v.big === true ? 'x'.repeat(500_000) : v.id) });

    // Act
    const { result, deadLettered } = await runPartition(
      { definition, store },
      batch([sale('a', 1000), { ...sale('huge', 1001), big: true }, sale('b', 1002), sale('c', 1003, 'store-2')]),
    );

    // Assess
    expect(deadLettered.map((r) => [r.record.offset, r.reason])).toEqual([[1, 'PROCESSING_ERROR']]);
    expect((deadLettered[0]?.error as Error).message).toMatch(/^Applying offset 1 would make a state item larger than DynamoDB allows \(\d+ bytes in KW#per-second#store-1, over the 380000-byte limit per item\)$/);
    expect(result.stats).toMatchObject({ applied: 3, rejected: { LATE_EVENT: 0, PROCESSING_ERROR: 1 } });
    expect((await keyWindowsOf(store, 'per-second', 'store-1'))?.windows[0]?.acc).toBe('ab');
    expect(await openWindows(store, 'per-second', 'store-2')).toEqual([[1000, 2000, 1]]);
    expect((await checkpointOf(store))?.offset).toBe(3);
  });
});
