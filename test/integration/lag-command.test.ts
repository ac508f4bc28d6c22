// `rtp lag` against a local Kafka, with a consumer group standing in for a
// processor (the group id order-analytics' mapping uses, consuming and
// committing as a mapping does): lag is zero while it keeps up, equals what
// was produced while it is paused, with a time lag, and returns to zero once
// it is resumed. A group that never committed counts from the log start.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureLag } from '../../scripts/cli/lag/lag-command.js';
import { LAG_PROBE_GROUP_PREFIX } from '../../scripts/cli/lag/record-timestamps.js';
import { localTarget, type PipelineTarget } from '../../scripts/cli/ops/pipeline-target.js';
import { kafkaClient, startKafka, type LocalKafka } from '../../scripts/devstack/kafka.js';
import { RTP } from '../../scripts/devstack/paths.js';
import { waitUntil } from '../../scripts/devstack/processes.js';

const DATA_DIR = join(RTP, 'test-kafka', `lag-${process.pid}`);
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
const PROCESSOR = 'order-analytics';
const TOPIC = 'orders';
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

let kafka: LocalKafka | undefined;
let admin: Admin | undefined;
let producer: Producer | undefined;
let consumer: Consumer | undefined;
let target: PipelineTarget;
let groupId: string;
let consumed = 0;

beforeAll(async () => {
  kafka = await startKafka({ dataDir: DATA_DIR, fresh: true, onProgress: progress });
  const client = kafkaClient(kafka.bootstrapServers, 'lag-test');
  admin = client.admin();
  producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await Promise.all([admin.connect(), producer.connect()]);
  await admin.createTopics({ topics: [TOPIC, 'stock-movements'].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
  // Lag reads only Kafka; the other endpoints are never called.
  target = localTarget({
    kafka: { bootstrapServers: kafka.bootstrapServers, port: kafka.port, pid: kafka.pid, logPath: '' },
    moto: { endpoint: 'http://127.0.0.1:9', port: 9, pid: 0, logPath: '' },
    elasticmq: { endpoint: 'http://127.0.0.1:9', port: 9, pid: 0, logPath: '' },
    dynamodb: { endpoint: 'http://127.0.0.1:9', port: 9, pid: 0, logPath: '' },
  });
  groupId = target.processor(PROCESSOR).inputs[0]?.consumerGroupId ?? '';
}, FIRST_START_TIMEOUT_MS);

afterAll(async () => {
  await consumer?.disconnect();
  await producer?.disconnect();
  await admin?.disconnect();
  target?.close();
  await kafka?.stop();
  await rm(DATA_DIR, { recursive: true, force: true });
}, 120_000);

async function produce(topic: string, count: number, prefix: string): Promise<void> {
  await producer?.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `${prefix}-${i}`, value: `record ${prefix}-${i}` })) });
}

/** The processor, running: consumes every record and commits after each batch, as a mapping does. */
async function startProcessor(): Promise<void> {
  consumer = kafkaClient(kafka?.bootstrapServers ?? '', 'lag-test-processor').consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    eachMessage: () => {
      consumed += 1;
      return Promise.resolve();
    },
  });
}

/** Paused: the consumer leaves its group, its committed offsets stay. */
async function stopProcessor(): Promise<void> {
  await consumer?.disconnect();
  consumer = undefined;
}

/** Each partition's log start and end offsets, as the broker reports them to the test's own admin client. */
async function logOffsets(topic: string): Promise<Map<number, { start: number; end: number }>> {
  const offsets = await admin!.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { start: Number(o.low), end: Number(o.high) }]));
}

/** Each partition's committed offset of a group, as the broker reports it; null where the group never committed. */
async function committedOffsets(group: string, topic: string): Promise<Map<number, number | null>> {
  const [entry] = await admin!.fetchOffsets({ groupId: group, topics: [topic] });
  return new Map((entry?.partitions ?? []).map((p) => [p.partition, p.offset === '-1' ? null : Number(p.offset)]));
}

async function waitForZeroLag(): Promise<void> {
  await waitUntil(async () => (await measureLag(target, { processor: PROCESSOR })).totalOffsetLag === 0, { what: `${groupId} caught up`, timeoutMs: 30_000, pollMs: 250 });
}

describe('rtp lag', () => {
  it('is zero while the processor keeps up', async () => {
    await produce(TOPIC, 30, 'warm-up');
    await startProcessor();
    await waitForZeroLag();

    const report = await measureLag(target, { processor: PROCESSOR });
    const log = await logOffsets(TOPIC);
    const committed = await committedOffsets(groupId, TOPIC);

    expect(report.inputs).toHaveLength(1);
    const [input] = report.inputs;
    expect(input).toMatchObject({ processor: PROCESSOR, topic: TOPIC, consumerGroupId: groupId, groupState: 'Stable', members: 1, totalOffsetLag: 0, maxTimeLagMs: 0 });
    expect(input?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    // The broker's own view: the group has committed all 30 records, up to each partition's end.
    expect([...log.values()].reduce((sum, o) => sum + o.end, 0)).toBe(30);
    for (const [partition, { end }] of log) expect(committed.get(partition)).toBe(end);
    for (const p of input?.partitions ?? []) {
      expect(p).toMatchObject({ offsetLag: 0, timeLagMs: 0, endOffset: log.get(p.partition)?.end, committedOffset: committed.get(p.partition) });
    }
  });

  it('is the produced count, with a time lag, while the processor is paused, and returns to zero after', async () => {
    await stopProcessor();
    const before = await logOffsets(TOPIC);
    await produce(TOPIC, 25, 'paused');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const paused = await measureLag(target, { processor: PROCESSOR, maxLag: 10 });
    const after = await logOffsets(TOPIC);
    const committed = await committedOffsets(groupId, TOPIC);

    const [input] = paused.inputs;
    expect(input).toMatchObject({ groupState: 'Empty', members: 0, totalOffsetLag: 25 });
    expect(paused).toMatchObject({ totalOffsetLag: 25, maxLag: 10, exceeded: true });
    expect(input?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect([...after].reduce((sum, [partition, { end }]) => sum + end - (before.get(partition)?.end ?? 0), 0)).toBe(25);
    for (const p of input?.partitions ?? []) {
      const endBefore = before.get(p.partition)?.end;
      const endAfter = after.get(p.partition)?.end ?? Number.NaN;
      // The paused group still holds what it committed before the 25 were produced.
      expect(committed.get(p.partition)).toBe(endBefore);
      // Each partition lags by exactly what was produced to it, and is as old as the first of those.
      expect(p).toMatchObject({ endOffset: endAfter, committedOffset: endBefore, offsetLag: endAfter - (endBefore ?? Number.NaN) });
      if (p.offsetLag > 0) {
        expect(p.timeLagMs).toBeGreaterThan(0);
        expect(p.timeLagMs).toBeLessThan(30_000);
      } else {
        expect(p.timeLagMs).toBe(0);
      }
    }
    expect(input?.maxTimeLagMs).toBeGreaterThan(0);
    expect((await measureLag(target, { processor: PROCESSOR, maxLag: 25 })).exceeded).toBe(false);

    const consumedBefore = consumed;
    await startProcessor();
    await waitForZeroLag();
    const resumed = await measureLag(target, { processor: PROCESSOR });

    expect(resumed).toMatchObject({ totalOffsetLag: 0, maxTimeLagMs: 0 });
    expect(resumed.inputs[0]?.groupState).toBe('Stable');
    expect(consumed - consumedBefore).toBe(25);
  });

  it('counts a group that never committed from the log start, and reports every processor without a name', async () => {
    await produce('stock-movements', 12, 'cdc');

    const report = await measureLag(target);
    const log = await logOffsets('stock-movements');
    const committed = await committedOffsets(target.processor('inventory-projector').inputs[0]?.consumerGroupId ?? '', 'stock-movements');

    expect(report.inputs.map((i) => i.processor).sort()).toEqual(['inventory-projector', 'order-analytics']);
    const projector = report.inputs.find((i) => i.processor === 'inventory-projector');
    expect(projector).toMatchObject({ topic: 'stock-movements', groupState: 'Dead', totalOffsetLag: 12 });
    expect(projector?.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect([...log.values()].reduce((sum, o) => sum + o.end - o.start, 0)).toBe(12);
    expect([...committed.values()]).toEqual([null, null, null]);
    for (const p of projector?.partitions ?? []) {
      const { start, end } = log.get(p.partition) ?? { start: Number.NaN, end: Number.NaN };
      expect(p).toMatchObject({ committedOffset: null, startOffset: start, endOffset: end, offsetLag: end - start });
    }
    expect(report.totalOffsetLag).toBe(12);
  });

  it('leaves no consumer group of its own behind', async () => {
    const { groups } = await admin!.listGroups();
    expect(groups.filter((g) => g.groupId.startsWith(LAG_PROBE_GROUP_PREFIX))).toEqual([]);
  });
});
