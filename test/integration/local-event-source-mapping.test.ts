// The local event source mapping against a real broker: batching, per-partition
// order, retries, partial batch responses, bisection, the on-failure
// destination, starting positions, timeouts and commits that survive a restart.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaEvent } from '../../functions/core/msk/partitions.js';
import type { KafkaEvent } from '../../functions/core/msk/types.js';
import type { OnFailureRecord } from '../../scripts/lambda-emulator/esm/msk-event.js';
import {
  LocalEventSourceMapping,
  LocalEventSourceMappingError,
  type InvocationSummary,
  type KafkaLambdaHandler,
  type LocalEventSourceMappingProps,
} from '../../scripts/lambda-emulator/esm/local-event-source-mapping.js';
import { kafkaClient, startKafka, type LocalKafka } from '../../scripts/devstack/kafka.js';
import { RTP } from '../../scripts/devstack/paths.js';

const DATA_DIR = join(RTP, 'test-kafka-esm');
// The first run fetches Kafka with Maven.
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/retail/abcd1234-0000-0000-0000-000000000000-1';

let local: LocalKafka;
let admin: Admin;
let producer: Producer;

/** What the handler saw in one invocation. */
interface Seen {
  readonly event: KafkaEvent;
  readonly requestId: string;
  readonly remainingMs: number;
  /** `<partition>@<offset>` in event order. */
  readonly records: string[];
}

interface Harness {
  readonly mapping: LocalEventSourceMapping;
  readonly seen: Seen[];
  readonly invocations: InvocationSummary[];
  /** `<topic>-<partition>@<offset>` per commit, in order. */
  readonly commits: string[];
  readonly failures: OnFailureRecord[];
  readonly errors: LocalEventSourceMappingError[];
}

const mappings: LocalEventSourceMapping[] = [];
let topicCount = 0;

beforeAll(async () => {
  local = await startKafka({ dataDir: DATA_DIR, fresh: true, onProgress: (line) => void process.stderr.write(`${line}\n`) });
  const client = kafkaClient(local.bootstrapServers, 'esm-test');
  admin = client.admin();
  await admin.connect();
  producer = client.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
}, FIRST_START_TIMEOUT_MS);

afterEach(async () => {
  await Promise.all(mappings.splice(0).map((m) => m.stop()));
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await local?.stop();
});

async function newTopic(partitions = 1): Promise<string> {
  topicCount += 1;
  const topic = `esm-${topicCount}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

async function produce(topic: string, messages: Message[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

const values = (partition: number, from: number, to: number): Message[] =>
  Array.from({ length: to - from }, (_, i) => ({ partition, key: `k${from + i}`, value: `v${from + i}` }));

/** A kafkajs client whose consumers report every commit they make. */
function spyingKafka(commits: string[]): Kafka {
  const client = kafkaClient(local.bootstrapServers, 'esm-test-mapping');
  const consumer = client.consumer.bind(client);
  client.consumer = (config) => {
    const created = consumer(config);
    created.on(created.events.COMMIT_OFFSETS, ({ payload }) => {
      for (const { topic, partitions } of payload.topics) for (const p of partitions) commits.push(`${topic}-${p.partition}@${p.offset}`);
    });
    return created;
  };
  return client;
}

/** Starts a mapping whose handler records what it saw, then behaves as `behaviour` says. */
async function started(
  topic: string,
  behaviour: (seen: Seen, index: number) => unknown,
  props: Partial<Omit<LocalEventSourceMappingProps, 'handler' | 'onInvoke' | 'onError'>> & { destination?: boolean } = {},
): Promise<Harness> {
  const harness: Harness = { mapping: undefined as never, seen: [], invocations: [], commits: [], failures: [], errors: [] };
  const handler: KafkaLambdaHandler = (event, context) => {
    const seen: Seen = {
      event,
      requestId: context.awsRequestId,
      remainingMs: context.getRemainingTimeInMillis(),
      records: Object.values(event.records).flatMap((records) => records.map((r) => `${r.partition}@${r.offset}`)),
    };
    const index = harness.seen.push(seen) - 1;
    return Promise.resolve().then(() => behaviour(seen, index));
  };
  const { destination, ...rest } = props;
  const mapping = new LocalEventSourceMapping({
    kafka: spyingKafka(harness.commits),
    bootstrapServers: local.bootstrapServers,
    eventSourceArn: ARN,
    topics: [topic],
    consumerGroupId: `group-${topic}`,
    functionName: 'esm-test',
    maximumBatchingWindowMs: 200,
    handler,
    onInvoke: (summary) => void harness.invocations.push(summary),
    onError: (error) => void harness.errors.push(error),
    ...(destination === true ? { onFailure: (record: OnFailureRecord) => Promise.resolve(void harness.failures.push(record)) } : {}),
    ...rest,
  });
  Object.assign(harness, { mapping });
  mappings.push(mapping);
  await mapping.start();
  return harness;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

async function committed(topic: string, group = `group-${topic}`): Promise<Record<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

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
    expect(event).toMatchObject({ eventSource: 'aws:kafka', eventSourceArn: ARN, bootstrapServers: local.bootstrapServers });
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
        bootstrapServers: local.bootstrapServers,
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

describe('LocalEventSourceMapping props', () => {
  const base = (): LocalEventSourceMappingProps => ({
    kafka: kafkaClient('127.0.0.1:1', 'unused'),
    bootstrapServers: '127.0.0.1:1',
    topics: ['orders'],
    consumerGroupId: 'g',
    functionName: 'f',
    handler: () => Promise.resolve(null),
  });

  it.each([
    ['batchSize', { batchSize: 10_001 }, /batchSize must be an integer from 1 to 10000 \(got 10001\)/],
    ['maximumBatchingWindowMs', { maximumBatchingWindowMs: 300_001 }, /maximumBatchingWindowMs/],
    ['retryAttempts', { retryAttempts: -2 }, /retryAttempts must be an integer from 0 to 10000 or -1/],
    ['maximumRecordAgeMs', { maximumRecordAgeMs: 59_999 }, /maximumRecordAgeMs must be an integer from 60000 to 604800000 or -1/],
    ['functionTimeoutMs', { functionTimeoutMs: 900_000 }, /functionTimeoutMs must be an integer from 1 to 840000/],
    ['topics', { topics: [] }, /topics must be one or more/],
    ['consumerGroupId', { consumerGroupId: '' }, /consumerGroupId/],
    ['startingPosition', { startingPosition: 'EARLIEST' as 'LATEST' }, /startingPosition must be TRIM_HORIZON \| LATEST \| AT_TIMESTAMP/],
    ['startingPositionTimestamp', { startingPosition: 'AT_TIMESTAMP' as const }, /startingPositionTimestamp must be given exactly when/],
  ])('throws INVALID_PROPS naming %s', (_prop, override, message) => {
    expect(() => new LocalEventSourceMapping({ ...base(), ...override })).toThrow(message);
    expect(() => new LocalEventSourceMapping({ ...base(), ...override })).toThrow(LocalEventSourceMappingError);
  });
});
