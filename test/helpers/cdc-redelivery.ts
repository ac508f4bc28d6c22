import type { IHeaders } from 'kafkajs';
import { kafkaClient } from '../../scripts/local/kafka.js';
import { consumerLag } from '../../scripts/local/pipeline/demo-results.js';

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
  const kafka = kafkaClient(bootstrapServers, 'test-cdc-redelivery');
  const admin = kafka.admin();
  const consumer = kafka.consumer({ groupId: `test-cdc-redelivery-${process.pid}` });
  const producer = kafka.producer({ idempotent: true });
  await Promise.all([admin.connect(), consumer.connect(), producer.connect()]);
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    const read: Array<{ partition: number; offset: number; key: Buffer | null; value: Buffer | null; headers: IHeaders | undefined }> = [];
    const caughtUp = (): boolean => [...ends].every(([partition, high]) => high === 0 || read.some((m) => m.partition === partition && m.offset === high - 1));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        read.push({ partition, offset: Number(message.offset), key: message.key, value: message.value, headers: message.headers });
        return Promise.resolve();
      },
    });
    await until(caughtUp, 60_000, () => `read ${read.length} records of ${topic}, short of its end offsets`);
    await consumer.stop();

    const byKey = new Map<string, typeof read>();
    for (const message of read.sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
      if (message.key === null || message.value === null) continue;
      const key = message.key.toString('base64');
      byKey.set(key, [...(byKey.get(key) ?? []), message]);
    }
    const superseded = [...byKey.values()].filter((changes) => changes.length > 1).map((changes) => changes[0] as (typeof read)[number]);
    await producer.send({ topic, acks: -1, messages: superseded.map((m) => ({ key: m.key, value: m.value, partition: m.partition, ...(m.headers === undefined ? {} : { headers: m.headers }) })) });

    const target = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    await until(
      async () => {
        const { lag, end } = await consumerLag(admin, processorGroup, [topic]);
        return lag === 0 && end >= target;
      },
      120_000,
      () => `${processorGroup} did not commit past the redelivered changes of ${topic}`,
    );
    return superseded.length;
  } finally {
    await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
  }
}

async function until(done: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
