// Shared by the local event source mapping's tests against a real broker: one
// Kafka per test file, topics and records to feed it, and a mapping whose
// handler, invocations, commits and on-failure records can be looked at.
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { KafkaEvent } from '../../functions/core/msk/types.js';
import type { OnFailureRecord } from '../../scripts/lambda-emulator/esm/msk-event.js';
import {
  LocalEventSourceMapping,
  type InvocationSummary,
  type KafkaLambdaHandler,
  type LocalEventSourceMappingError,
  type LocalEventSourceMappingProps,
} from '../../scripts/lambda-emulator/esm/local-event-source-mapping.js';
import { kafkaClient, startKafka, type LocalKafka } from '../../scripts/devstack/kafka.js';
import { RTP } from '../../scripts/devstack/paths.js';

const DATA_DIR = join(RTP, 'test-kafka-esm');
// The first run fetches Kafka with Maven.
const FIRST_START_TIMEOUT_MS = 10 * 60_000;
export const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/retail/abcd1234-0000-0000-0000-000000000000-1';

let local: LocalKafka;
let admin: Admin;
let producer: Producer;

/** What the handler saw in one invocation. */
export interface Seen {
  readonly event: KafkaEvent;
  readonly requestId: string;
  readonly remainingMs: number;
  /** `<partition>@<offset>` in event order. */
  readonly records: string[];
}

export interface Harness {
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

/**
 * Starts a fresh Kafka before the file's tests and stops it after them;
 * mappings started with `started` are stopped after each test.
 */
export function useLocalKafka(): void {
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
}

/** The bootstrap servers of the Kafka `useLocalKafka` started. */
export function bootstrapServers(): string {
  return local.bootstrapServers;
}

export async function newTopic(partitions = 1): Promise<string> {
  topicCount += 1;
  const topic = `esm-${topicCount}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

export async function produce(topic: string, messages: Message[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

export const values = (partition: number, from: number, to: number): Message[] =>
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
export async function started(
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

export async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

export async function committed(topic: string, group = `group-${topic}`): Promise<Record<number, string>> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
}
