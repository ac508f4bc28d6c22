// The local event source mapping against a real broker: where a new consumer
// group starts reading, and commits that survive a restart of the mapping.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { committed, newTopic, produce, started, useLocalKafka, values, waitFor } from './local-event-source-mapping-fixtures.js';

useLocalKafka();

describe('LocalEventSourceMapping against a broker', () => {
  it('starts at a timestamp or at the latest record when the group has no committed offset', async () => {
    // Prepare
    const topic = await newTopic();
    const base = Date.now() - 60_000;
    await produce(topic, [0, 1, 2].map((i) => ({ partition: 0, value: `t${i}`, timestamp: String(base + i * 10_000) })));

    // Act
    const atTimestamp = await started(topic, () => null, {
      startingPosition: 'AT_TIMESTAMP',
      startingPositionTimestamp: new Date(base + 5_000),
      consumerGroupId: `${topic}-at`,
    });
    const latest = await started(topic, () => null, { startingPosition: 'LATEST', consumerGroupId: `${topic}-latest` });
    await produce(topic, values(0, 3, 4));
    await waitFor('both reach the new record', () => [atTimestamp, latest].every((h) => h.seen.some((s) => s.records.includes('0@3'))));

    // Assess
    expect(atTimestamp.seen.flatMap((s) => s.records)).toEqual(['0@1', '0@2', '0@3']);
    expect(latest.seen.flatMap((s) => s.records)).toEqual(['0@3']);
  });

  it('commits only after success, so a new mapping on the same group resumes right after the last success', async () => {
    // Prepare
    const topic = await newTopic();
    await produce(topic, values(0, 0, 10));
    let release: () => void = () => undefined;
    const inFlight = new Promise<void>((resolve) => (release = resolve));

    // Act 1: stop while [3, 4, 5] is being processed; it finishes and commits.
    const first = await started(
      topic,
      async (s) => {
        if (s.records.includes('0@3')) {
          release();
          await sleep(300);
        }
        return null;
      },
      { batchSize: 3 },
    );
    await inFlight;
    await first.mapping.stop();
    const afterFirst = await committed(topic);

    // Act 2: the next mapping fails on its first batch and stops during the retry's backoff.
    const second = await started(
      topic,
      () => {
        throw new Error('down');
      },
      { batchSize: 3 },
    );
    await waitFor('the first failure', () => second.invocations.length >= 1);
    await second.mapping.stop();
    const afterSecond = await committed(topic);

    // Act 3
    const third = await started(topic, () => null, { batchSize: 3 });
    await waitFor('the rest is committed', () => third.commits.includes(`${topic}-0@10`));

    // Assess
    expect(first.seen.map((s) => s.records)).toEqual([['0@0', '0@1', '0@2'], ['0@3', '0@4', '0@5']]);
    expect(afterFirst).toEqual({ 0: '6' });
    expect(second.seen.length).toBeGreaterThanOrEqual(1);
    expect(new Set(second.seen.map((s) => s.records.join()))).toEqual(new Set(['0@6,0@7,0@8']));
    expect(second.commits).toEqual([]);
    expect(afterSecond).toEqual({ 0: '6' });
    expect(third.seen.map((s) => s.records)).toEqual([['0@6', '0@7', '0@8'], ['0@9']]);
    expect([first, second, third].flatMap((h) => h.errors)).toEqual([]);
  });
});
