// The local event source mapping against a real broker: the MSK event it
// sends, and how it batches records, keeping each partition in order.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parseKafkaEvent } from '../../functions/core/msk/partitions.js';
import { ARN, bootstrapServers, committed, newTopic, produce, started, useLocalKafka, values, waitFor } from './local-event-source-mapping-fixtures.js';

useLocalKafka();

describe('LocalEventSourceMapping against a broker', () => {
  it('sends the exact MSK event: base64 key and value, byte headers, no key or value when null', async () => {
    // Prepare
    const topic = await newTopic();
    await produce(topic, [
      { partition: 0, key: 'sku-1', value: '{"qty":2}', headers: { 'trace-id': 't1', tag: ['a', 'b'] } },
      { partition: 0, key: null, value: null },
    ]);

    // Act
    const { seen } = await started(topic, () => ({ batchItemFailures: [] }));
    await waitFor('both records arrive', () => seen.flatMap((s) => s.records).length === 2);

    // Assess
    const event = seen[0]!.event;
    expect(parseKafkaEvent(event)).toEqual(event);
    expect(event).toMatchObject({ eventSource: 'aws:kafka', eventSourceArn: ARN, bootstrapServers: bootstrapServers() });
    const [first, second] = event.records[`${topic}-0`]!;
    expect(first).toEqual({
      topic,
      partition: 0,
      offset: 0,
      timestamp: expect.any(Number) as number,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('sku-1').toString('base64'),
      value: Buffer.from('{"qty":2}').toString('base64'),
      headers: [{ 'trace-id': [...Buffer.from('t1')] }, { tag: [97] }, { tag: [98] }],
    });
    expect(Math.abs(first!.timestamp - Date.now())).toBeLessThan(60_000);
    expect(second).toEqual({ topic, partition: 0, offset: 1, timestamp: expect.any(Number) as number, timestampType: 'CREATE_TIME', headers: [] });
  });

  it('keeps batches within batchSize and each partition in order, one invocation per partition at a time', async () => {
    // Prepare
    const topic = await newTopic(3);
    await produce(topic, [...values(0, 0, 10), ...values(1, 0, 7), ...values(2, 0, 4)]);
    const inFlight = new Set<string>();
    let overlapped = false;

    // Act
    const { seen, commits } = await started(
      topic,
      async (s) => {
        const partitions = Object.keys(s.event.records);
        if (partitions.some((p) => inFlight.has(p))) overlapped = true;
        partitions.forEach((p) => inFlight.add(p));
        await sleep(30);
        partitions.forEach((p) => inFlight.delete(p));
        return null;
      },
      { batchSize: 4 },
    );
    await waitFor('every record arrives', () => seen.flatMap((s) => s.records).length >= 21);

    // Assess
    expect(seen.every((s) => s.records.length <= 4)).toBe(true);
    expect(overlapped).toBe(false);
    for (const [partition, count] of [[0, 10], [1, 7], [2, 4]] as const) {
      const delivered = seen.flatMap((s) => s.records).filter((r) => r.startsWith(`${partition}@`));
      expect(delivered).toEqual(Array.from({ length: count }, (_, i) => `${partition}@${i}`));
    }
    await waitFor('the last commits', () => ['0@10', '1@7', '2@4'].every((end) => commits.includes(`${topic}-${end}`)));
    expect(await committed(topic)).toEqual({ 0: '10', 1: '7', 2: '4' });
  });
});
