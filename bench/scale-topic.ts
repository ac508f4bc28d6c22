/**
 * A scale cell's `orders` topic: recreated with the cell's partitions, the
 * workload's orders encoded as the outbox publishes them and produced as
 * fast as possible or at a pace, and the consumer group's progress on it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Message, Producer } from 'kafkajs';
import { parseAvroSchema } from '../functions/core/serde/avro-schema.js';
import { GlueCompression, writeGlueFrame } from '../functions/core/serde/glue-wire-format.js';
import { subjectSchema } from '../functions/core/serde/subject-schema.js';
import { ORDERS_TOPIC } from '../scripts/reference/connectors.js';
import { keyPartition } from '../scripts/reference/planned-lateness.js';
import { orderEventValue } from '../scripts/reference/run-workload.js';
import type { OrderStep } from '../scripts/reference/workload.js';

const PRODUCE_CHUNK = 500;

/** A fresh `orders` topic with `partitions`: the engine judges watermarks over the topic its definition names, so the name stays. */
export async function recreateTopic(admin: Admin, partitions: number): Promise<void> {
  if ((await admin.listTopics()).includes(ORDERS_TOPIC)) await admin.deleteTopics({ topics: [ORDERS_TOPIC], timeout: 30_000 });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await admin.listTopics()).includes(ORDERS_TOPIC)) throw Object.assign(new Error('still being deleted'), { type: 'TOPIC_ALREADY_EXISTS' });
      await admin.createTopics({ topics: [{ topic: ORDERS_TOPIC, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics: [ORDERS_TOPIC] });
      if (metadata.topics[0]?.partitions.length === partitions) return;
    } catch (error) {
      if ((error as { type?: unknown }).type !== 'TOPIC_ALREADY_EXISTS' || Date.now() > deadline) throw error;
    }
    await sleep(250);
  }
}

/** The workload's orders as the outbox would publish them: keyed by order id, on the partition the key hashes to, Glue-framed by their writer's version. */
export function encodeOrders(orders: readonly OrderStep[], partitions: number, schemaIds: ReadonlyMap<number, string>, first: number): Message[] {
  const writers = new Map(([1, 2, 3] as const).map((v) => [v, parseAvroSchema(subjectSchema('orders', v))]));
  return orders.map((step, i) => {
    const schemaVersionId = schemaIds.get(step.schemaVersion);
    const writer = writers.get(step.schemaVersion);
    if (schemaVersionId === undefined || writer === undefined) throw new Error(`no registered schema for orders v${step.schemaVersion}`);
    // Every other one zlib-compressed, as the workload's producers do.
    const value = writeGlueFrame(schemaVersionId, writer.toBuffer(orderEventValue(step)), (first + i) % 2 === 0 ? GlueCompression.NONE : GlueCompression.ZLIB);
    return { key: step.order.orderId, value, partition: keyPartition(step.order.orderId, partitions) };
  });
}

export async function produceFast(producer: Producer, messages: readonly Message[]): Promise<void> {
  for (let from = 0; from < messages.length; from += PRODUCE_CHUNK) {
    await producer.send({ topic: ORDERS_TOPIC, acks: -1, messages: messages.slice(from, from + PRODUCE_CHUNK) });
  }
}

/** Sends each record at its due time (start + i / rate), those due together in one request; returns the rate achieved. */
export async function producePaced(producer: Producer, messages: readonly Message[], ratePerSec: number): Promise<number> {
  const started = performance.now();
  let sent = 0;
  while (sent < messages.length) {
    const due = Math.min(messages.length, Math.floor(((performance.now() - started) / 1000) * ratePerSec) + 1);
    if (due > sent) {
      await producer.send({ topic: ORDERS_TOPIC, acks: -1, messages: messages.slice(sent, due) });
      sent = due;
    }
    await sleep(Math.max(1, Math.min(20, 1000 / ratePerSec)));
  }
  const seconds = (performance.now() - started) / 1000;
  return messages.length <= 1 || seconds <= 0 ? ratePerSec : (messages.length - 1) / seconds;
}

/** Records the group has committed and records on the topic, over its partitions. */
export async function groupProgress(admin: Admin, groupId: string): Promise<{ committed: number; end: number; lag: number }> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [ORDERS_TOPIC] });
  const ends = await admin.fetchTopicOffsets(ORDERS_TOPIC);
  const end = ends.reduce((n, p) => n + Number(p.high), 0);
  const committed = ends.reduce((n, p) => n + Math.max(0, Number(offsets?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1')), 0);
  const lag = ends.reduce((n, p) => n + Number(p.high) - Math.max(0, Number(offsets?.partitions.find((c) => c.partition === p.partition)?.offset ?? '-1')), 0);
  return { committed, end, lag };
}

/** Until every partition's committed offset is its end, and the ends add up to the records produced. */
export async function waitDrained(admin: Admin, groupId: string, produced: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = { lag: -1, end: -1 };
  while (Date.now() < deadline) {
    const { lag, end } = await groupProgress(admin, groupId);
    last = { lag, end };
    if (lag === 0 && end === produced) return;
    if (end > produced) throw new Error(`the topic holds ${end} records, ${produced} were produced`);
    await sleep(100);
  }
  throw new Error(`not drained after ${Math.round(timeoutMs / 1000)} s: lag ${last.lag}, ${last.end} of ${produced} records on the topic`);
}

export async function waitGroupStable(admin: Admin, groupId: string, members: number): Promise<void> {
  const deadline = Date.now() + 90_000;
  let state = 'unknown';
  while (Date.now() < deadline) {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    state = `${group?.state ?? 'none'} with ${group?.members.length ?? 0} members`;
    if (group?.state === 'Stable' && group.members.length === members) return;
    await sleep(250);
  }
  throw new Error(`consumer group ${groupId} not stable with ${members} members after 90 s (${state})`);
}
