// The local Kafka broker (scripts/devstack/kafka.ts) against what the pipeline
// relies on from MSK: records round-trip with keys and headers, each partition
// keeps its order, and a broker restart under load loses nothing an
// idempotent, acks=all producer was told was written.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClient, readTopic, startKafka } from '../../scripts/devstack/kafka.js';
import type { LocalKafka, TopicRecord } from '../../scripts/devstack/kafka.js';
import { RTP } from '../../scripts/devstack/paths.js';

// Per run: two runs of this file at once (two terminals, or two people on one
// checkout) would otherwise wipe each other's broker with `fresh`.
const DATA_DIR = join(RTP, 'test-kafka', String(process.pid));
// The first run fetches Kafka with Maven (about 45 MB).
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

let kafka: LocalKafka;
let admin: Admin;

beforeAll(async () => {
  kafka = await startKafka({ dataDir: DATA_DIR, fresh: true, onProgress: progress });
  admin = kafkaClient(kafka.bootstrapServers, 'kafka-test-admin').admin();
  await admin.connect();
}, FIRST_START_TIMEOUT_MS);

afterAll(async () => {
  await admin?.disconnect();
  await kafka?.stop();
  await rm(DATA_DIR, { recursive: true, force: true });
});

async function createTopic(topic: string, numPartitions = 3): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
}

function idempotentProducer(): Producer {
  return kafkaClient(kafka.bootstrapServers, 'kafka-test-producer').producer({
    idempotent: true,
    // kafkajs keeps per-partition order and its sequence numbers only with one request in flight.
    maxInFlightRequests: 1,
    // Unlimited, as kafkajs wants for an idempotent producer; the test's timeout bounds it.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 2_000 },
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Sequence numbers per key, in the order each partition holds them. */
function sequencesByKey(records: readonly TopicRecord[]): Map<string, { partitions: Set<number>; seqs: number[] }> {
  const byKey = new Map<string, { partitions: Set<number>; seqs: number[] }>();
  for (const record of records) {
    const key = record.key?.toString() ?? '';
    const entry = byKey.get(key) ?? { partitions: new Set<number>(), seqs: [] };
    entry.partitions.add(record.partition);
    entry.seqs.push(Number(record.value?.toString()));
    byKey.set(key, entry);
  }
  return byKey;
}

describe('local Kafka broker', () => {
  it('is a one-broker KRaft cluster on loopback', async () => {
    const cluster = await admin.describeCluster();

    expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: kafka.port }]);
    expect(cluster.clusterId).toBe(kafka.clusterId);
    expect(kafka.bootstrapServers).toBe(`127.0.0.1:${kafka.port}`);
  });

  it('delivers produced records with their keys and headers to a consumer', async () => {
    await createTopic('roundtrip');
    const producer = idempotentProducer();
    await producer.connect();

    await producer.send({ topic: 'roundtrip', acks: -1, messages: [{ key: 'sku-1', value: 'hello', headers: { source: 'test' } }] });
    await producer.disconnect();
    const records = await readTopic(kafka.bootstrapServers, 'roundtrip');

    expect(records).toHaveLength(1);
    expect(records[0]?.key?.toString()).toBe('sku-1');
    expect(records[0]?.value?.toString()).toBe('hello');
    expect(records[0]?.headers.source?.toString()).toBe('test');
  });

  it('refuses to create a topic on first use (auto.create.topics.enable=false, as on MSK)', async () => {
    const topics = await admin.listTopics();
    const producer = kafkaClient(kafka.bootstrapServers, 'kafka-test-autocreate', { retry: { retries: 1 } }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await producer.connect();

    await expect(producer.send({ topic: 'never-created', messages: [{ value: 'x' }] })).rejects.toThrow(/does not host this topic-partition|UNKNOWN_TOPIC|not exist/i);
    await producer.disconnect();

    expect(await admin.listTopics()).toEqual(topics);
  });

  it('keeps each key on one partition, in the order it was sent', async () => {
    await createTopic('ordered', 3);
    const producer = idempotentProducer();
    await producer.connect();
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    const perKey = 40;

    // Batches that interleave every key, so order is only kept if the broker and client keep it per partition.
    for (let seq = 0; seq < perKey; seq += 1) {
      await producer.send({ topic: 'ordered', acks: -1, messages: keys.map((key) => ({ key, value: String(seq) })) });
    }
    await producer.disconnect();
    const byKey = sequencesByKey(await readTopic(kafka.bootstrapServers, 'ordered'));

    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    for (const [, { partitions, seqs }] of byKey) {
      expect(partitions.size).toBe(1);
      expect(seqs).toEqual(Array.from({ length: perKey }, (_, i) => i));
    }
    // Twelve keys over three partitions: the default partitioner spreads them.
    expect(new Set([...byKey.values()].flatMap((entry) => [...entry.partitions])).size).toBeGreaterThan(1);
  });

  it('loses nothing an idempotent acks=all producer was told was written when the broker restarts under load', async () => {
    const topic = 'restart-under-load';
    await createTopic(topic, 3);
    const total = 3_000;
    const batch = 10;
    const restartAt = total / 3;
    const resumeAt = (2 * total) / 3;
    const before = kafka;
    const producer = idempotentProducer();
    await producer.connect();
    let stopped: Promise<void> | undefined;
    let restarted: Promise<LocalKafka> | undefined;
    let stoppedAt = Infinity;
    let backAt = Infinity;
    const sends: { start: number; end: number }[] = [];

    for (let next = 0; next < total; next += batch) {
      if (next >= restartAt && stopped === undefined) {
        // Not awaited: the producer keeps sending while the broker shuts down and is away.
        stopped = before.stop().then(() => void (stoppedAt = Date.now()));
        // Restarted without ports: it must reuse the ones the producer was given.
        restarted = stopped.then(() => startKafka({ dataDir: DATA_DIR, onProgress: progress }));
        // Swapped at once, so afterAll stops this one whatever happens below.
        void restarted.then((restartedKafka) => {
          kafka = restartedKafka;
          backAt = Date.now();
        });
      }
      // Past two thirds, wait for the old process to be gone, so at least one send
      // has to be retried until the broker is back, however fast the sends above were.
      if (next >= resumeAt && stopped !== undefined) await stopped;
      const start = Date.now();
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: batch }, (_, i) => ({ key: `key-${(next + i) % 12}`, value: String(next + i) })),
      });
      sends.push({ start, end: Date.now() });
    }
    await producer.disconnect();
    if (restarted !== undefined) await restarted;
    const records = await readTopic(kafka.bootstrapServers, topic, { timeoutMs: 60_000 });

    // The restart reused the data dir, the cluster and, unasked, the ports.
    expect(kafka.pid).not.toBe(before.pid);
    expect(kafka.clusterId).toBe(before.clusterId);
    expect([kafka.port, kafka.controllerPort]).toEqual([before.port, before.controllerPort]);
    // Begun before the new broker was up, acknowledged only after: retried across the restart.
    const sendsAcrossRestart = sends.filter(({ start, end }) => start < backAt && end >= backAt).length;
    expect(sendsAcrossRestart).toBeGreaterThan(0);
    const seen = records.map((record) => Number(record.value?.toString()));
    const counts = new Map<number, number>();
    for (const seq of seen) counts.set(seq, (counts.get(seq) ?? 0) + 1);
    const missing = Array.from({ length: total }, (_, i) => i).filter((seq) => !counts.has(seq));
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    progress(`restart under load: ${total} sent, ${records.length} read, ${missing.length} missing, ${duplicates} duplicated, ${sendsAcrossRestart} send(s) retried across the restart, broker down ${backAt - stoppedAt} ms`);
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    // And per key, still in the order sent.
    for (const [, { partitions, seqs }] of sequencesByKey(records)) {
      expect(partitions.size).toBe(1);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  }, 180_000);
});
