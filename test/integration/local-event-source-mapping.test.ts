// The local event source mapping against a real broker, one broker for the
// whole file: the MSK event it sends and how it batches; what it does when
// the function fails (retries, partial batch responses, bisection, timeouts,
// the on-failure destination); where a new consumer group starts, and
// commits that survive a restart of the mapping.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { parseKafkaEvent } from '../../functions/core/msk/partitions.js';
import { ARN, bootstrapServers, committed, newTopic, produce, started, useLocalKafka, values, waitFor } from './local-event-source-mapping-fixtures.js';

useLocalKafka();

describe('LocalEventSourceMapping against a broker', () => {
  describe('the MSK event it sends and how it batches, each partition in order', () => {
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

  describe('when the function fails: retries, partial responses, bisection, timeouts and the on-failure destination', () => {
    it('delivers the same records again after two failures and commits once, after the success', async () => {
      const topic = await newTopic();
      await produce(topic, values(0, 0, 3));

      const { seen, invocations, commits } = await started(topic, (_s, index) => {
        if (index < 2) throw new Error(`failure ${index + 1}`);
        return { batchItemFailures: [] };
      });
      await waitFor('the third invocation commits', () => commits.length > 0);

      expect(seen.map((s) => s.records)).toEqual([['0@0', '0@1', '0@2'], ['0@0', '0@1', '0@2'], ['0@0', '0@1', '0@2']]);
      expect(invocations.map((i) => [i.invokeCount, i.result, i.detail])).toEqual([
        [1, 'FUNCTION_ERROR', 'Error: failure 1'],
        [2, 'FUNCTION_ERROR', 'Error: failure 2'],
        [3, 'SUCCESS', undefined],
      ]);
      expect(new Set(seen.map((s) => s.requestId)).size).toBe(3);
      expect(commits).toEqual([`${topic}-0@3`]);
    });

    it('redelivers only the partition a partial batch response names, from the offset it names', async () => {
      // Prepare: both partitions in one produce request, so they arrive in one batch.
      const topic = await newTopic(2);
      await produce(topic, [...values(0, 0, 4), ...values(1, 0, 4)]);

      // Act
      const { seen, commits } = await started(topic, (s) =>
        s.records.includes('0@2') && !s.records.includes('0@1')
          ? { batchItemFailures: [] }
          : { batchItemFailures: s.records.includes('0@2') ? [{ itemIdentifier: { partition: `${topic}-0`, offset: 2 } }] : [] },
      );
      await waitFor('partition 0 is committed to its end', () => commits.includes(`${topic}-0@4`));

      // Assess: partitions appear in the order they were fetched, so compare them sorted.
      expect(seen.map((s) => [...s.records].sort())).toEqual([
        ['0@0', '0@1', '0@2', '0@3', '1@0', '1@1', '1@2', '1@3'],
        ['0@2', '0@3'],
      ]);
      expect(commits).toEqual(expect.arrayContaining([`${topic}-1@4`, `${topic}-0@2`, `${topic}-0@4`]));
      expect(commits.indexOf(`${topic}-0@2`)).toBeLessThan(commits.indexOf(`${topic}-0@4`));
      expect(await committed(topic)).toEqual({ 0: '4', 1: '4' });
    });

    it('bisects a failing batch until the poison record is alone, then gives only it up', async () => {
      // Prepare
      const topic = await newTopic();
      await produce(topic, values(0, 0, 8).map((m, i) => (i === 5 ? { ...m, value: 'poison' } : m)));

      // Act
      const { seen, failures, commits } = await started(
        topic,
        (s) => {
          const values = Object.values(s.event.records).flat().map((r) => Buffer.from(r.value ?? '', 'base64').toString());
          if (values.includes('poison')) throw new Error('poison');
          return null;
        },
        { bisectBatchOnFunctionError: true, retryAttempts: 3, destination: true },
      );
      await waitFor('the batch is committed', () => commits.includes(`${topic}-0@8`));

      // Assess
      expect(seen.map((s) => s.records.map((r) => Number(r.split('@')[1])))).toEqual([
        [0, 1, 2, 3, 4, 5, 6, 7],
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [4, 5],
        [4],
        [5],
        [6, 7],
      ]);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
        KafkaBatchInfo: { batchSize: 1, recordsInfo: { [`${topic}-0`]: { firstRecordOffset: '5', lastRecordOffset: '5' } } },
      });
    });

    it('sends the metadata of records that exhausted their retries to the on-failure destination and moves on', async () => {
      // Prepare
      const topic = await newTopic();
      await produce(topic, values(0, 0, 2));

      // Act
      const { seen, failures, commits } = await started(
        topic,
        (s) => {
          if (s.records.includes('0@0')) throw new Error('cannot');
          return null;
        },
        { retryAttempts: 1, destination: true },
      );
      await waitFor('the failed batch is given up', () => failures.length === 1);
      await produce(topic, values(0, 2, 3));
      await waitFor('the next record is committed', () => commits.includes(`${topic}-0@3`));

      // Assess
      expect(seen.map((s) => s.records)).toEqual([['0@0', '0@1'], ['0@0', '0@1'], ['0@2']]);
      const record = failures[0]!;
      expect(record).toEqual({
        requestContext: {
          requestId: seen[1]!.requestId,
          functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:esm-test',
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 2,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as string,
        KafkaBatchInfo: {
          batchSize: 2,
          eventSourceArn: ARN,
          bootstrapServers: bootstrapServers(),
          payloadSize: Buffer.byteLength(JSON.stringify(seen[1]!.event)),
          recordsInfo: {
            [`${topic}-0`]: {
              firstRecordOffset: '0',
              lastRecordOffset: '1',
              firstRecordTimestamp: new Date(seen[1]!.event.records[`${topic}-0`]![0]!.timestamp).toISOString(),
              lastRecordTimestamp: new Date(seen[1]!.event.records[`${topic}-0`]![1]!.timestamp).toISOString(),
            },
          },
        },
      });
      expect(JSON.stringify(record)).not.toContain(Buffer.from('v0').toString('base64'));
      expect(commits).toEqual([`${topic}-0@2`, `${topic}-0@3`]);
    });

    it('gives up records older than the maximum record age without invoking the function', async () => {
      const topic = await newTopic();
      await produce(topic, [{ partition: 0, value: 'old', timestamp: String(Date.now() - 2 * 3_600_000) }, { partition: 0, value: 'new' }]);

      const { seen, failures, commits } = await started(topic, () => null, { maximumRecordAgeMs: 60_000, destination: true });
      await waitFor('both are committed', () => commits.includes(`${topic}-0@2`));

      expect(seen.map((s) => s.records)).toEqual([['0@1']]);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({
        requestContext: { condition: 'MaximumRecordAgeExceeded', approximateInvokeCount: 0 },
        responseContext: null,
        KafkaBatchInfo: { batchSize: 1, recordsInfo: { [`${topic}-0`]: { firstRecordOffset: '0' } } },
      });
    });

    it('fails an invocation that outlives the function timeout without waiting for it, and retries', async () => {
      const topic = await newTopic();
      await produce(topic, values(0, 0, 1));
      let zombieFinished = false;

      const { seen, invocations, commits } = await started(
        topic,
        async (_s, index) => {
          if (index === 0) {
            await sleep(1_500);
            zombieFinished = true;
          }
          return null;
        },
        { functionTimeoutMs: 300 },
      );
      await waitFor('the retry commits', () => commits.length > 0);

      expect(invocations.map((i) => i.result)).toEqual(['TIMEOUT', 'SUCCESS']);
      expect(invocations[0]?.detail).toBe('Task timed out after 0.30 seconds');
      expect(zombieFinished).toBe(false);
      expect(seen[0]!.remainingMs).toBeLessThanOrEqual(300);
      expect(commits).toEqual([`${topic}-0@1`]);
    });
  });

  describe('where a new consumer group starts, and commits that survive a restart', () => {
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
});
