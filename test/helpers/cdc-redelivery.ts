import { kafkaClient, readTopic, type TopicRecord } from '../../scripts/devstack/kafka.js';
import { consumerLag } from '../../scripts/reference/demo-results.js';
import { waitUntil } from '../../scripts/devstack/processes.js';

/**
 * What Debezium does after an unclean Kafka Connect restart: it streams
 * again from the last source offset it had flushed, so changes already
 * published reach the topic a second time, at new offsets, after newer
 * changes of the same rows. Here, the first change of every row that
 * changed again later is written once more at the end of its partition,
 * and the call returns once the processor's group has committed past them.
 * A projection must see each as stale (its position is behind the row's)
 * and leave the row as it is.
 */
export async function redeliverSupersededChanges(bootstrapServers: string, topic: string, processorGroup: string): Promise<number> {
  // Each partition in offset order, so a key's first record is its oldest change.
  const byKey = new Map<string, TopicRecord[]>();
  for (const record of await readTopic(bootstrapServers, topic, { timeoutMs: 60_000 })) {
    if (record.key === null || record.value === null) continue;
    const key = record.key.toString('base64');
    byKey.set(key, [...(byKey.get(key) ?? []), record]);
  }
  const superseded = [...byKey.values()].filter((changes) => changes.length > 1).map((changes) => changes[0] as TopicRecord);

  const kafka = kafkaClient(bootstrapServers, 'test-cdc-redelivery');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await producer.send({ topic, acks: -1, messages: superseded.map((r) => ({ key: r.key, value: r.value, partition: r.partition, headers: r.headers })) });
    // Once sent, the end offsets include them: no lag means the group committed past them.
    await waitUntil(async () => (await consumerLag(admin, processorGroup, [topic])).lag === 0, {
      timeoutMs: 120_000,
      what: `${processorGroup} committing past the redelivered changes of ${topic}`,
    });
    return superseded.length;
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}
