import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** The consumer groups `rtp lag` reads record timestamps with; on MSK the caller's IAM policy must allow them. */
export const LAG_PROBE_GROUP_PREFIX = 'rtp-lag-probe-';

export interface PartitionOffset {
  readonly partition: number;
  readonly offset: number;
}

/**
 * The timestamp (epoch ms) of the record at each `partition`/`offset` of
 * `topic`: the first record a lagging group has not consumed. kafkajs has no
 * consumer without a group, so a throwaway group reads them: it never
 * commits, seeks straight to each offset, takes one record per partition and
 * is deleted afterwards. Partitions whose record did not arrive within
 * `timeoutMs` are missing from the answer.
 */
export async function firstUnconsumedTimestamps(kafka: Kafka, topic: string, wanted: readonly PartitionOffset[], timeoutMs: number): Promise<Map<number, number>> {
  const found = new Map<number, number>();
  const offsets = new Map(wanted.map((w) => [w.partition, w.offset]));
  const groupId = `${LAG_PROBE_GROUP_PREFIX}${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 64 * 1024, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let done: () => void = () => undefined;
  const allFound = new Promise<void>((resolve) => {
    done = resolve;
  });
  try {
    await consumer.connect();
    // Partitions not sought start at the end and stay silent.
    await consumer.subscribe({ topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const from = offsets.get(batch.partition);
        if (from === undefined || found.has(batch.partition)) return;
        // A compressed batch can start before the offset sought.
        const first = batch.messages.find((m) => Number(m.offset) >= from);
        if (first === undefined) return;
        found.set(batch.partition, Number(first.timestamp));
        consumer.pause([{ topic, partitions: [batch.partition] }]);
        if (found.size === offsets.size) done();
        await Promise.resolve();
      },
    });
    for (const [partition, offset] of offsets) consumer.seek({ topic, partition, offset: String(offset) });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([allFound, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    // It committed nothing, so the broker would drop it anyway; deleting it keeps group listings clean.
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
  return found;
}
