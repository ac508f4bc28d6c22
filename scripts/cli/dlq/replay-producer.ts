import { Partitioners, type IHeaders, type Kafka, type Producer } from 'kafkajs';
import type { DeadLetter } from '../../../functions/core/dlq/envelope.js';

/** A record to write back to its topic, as it was first written. */
export interface ReplayRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
  /** Epoch milliseconds, as a decimal string (kafkajs' form). */
  readonly timestamp: string;
}

/** Where replayed records go. `send` resolves only once every record is acknowledged by all in-sync replicas. */
export interface ReplayProducer {
  /** Records of one topic-partition, written in the order given. */
  send(records: readonly ReplayRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The record of a dead letter as it was produced: the same key, value and
 * headers byte for byte, the same partition, and the original timestamp, so
 * that anything reading the Kafka timestamp (event-time windows of a
 * processor that takes its event time from it, `rtp replay --from`,
 * latency) sees when the record really happened, not when it was repaired.
 */
export function replayRecordOf(letter: DeadLetter): ReplayRecord {
  const headers: IHeaders = {};
  for (const header of letter.headers) {
    for (const [name, bytes] of Object.entries(header)) {
      // Lambda may deliver bytes signed (Java's byte); & 0xff gives the byte either way.
      const value = Buffer.from(bytes.map((b) => b & 0xff));
      const existing = headers[name];
      headers[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  }
  return {
    topic: letter.topic,
    partition: letter.partition,
    key: letter.key === null ? null : Buffer.from(letter.key, 'base64'),
    value: letter.value === null ? null : Buffer.from(letter.value, 'base64'),
    headers,
    timestamp: String(letter.timestamp),
  };
}

/**
 * An idempotent kafkajs producer with acks=all: the broker drops a batch
 * the producer retried after a lost acknowledgement, so one `send` writes its
 * records once, and its promise resolves only once they are on every in-sync
 * replica. (Idempotence covers one producer session; across two runs of
 * replay it does not, which is why replay deletes only after the ack.)
 */
export async function kafkaReplayProducer(kafka: Kafka): Promise<ReplayProducer> {
  const producer: Producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // The partition is always given; this only silences kafkajs' warning about its default.
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async send(records) {
      const first = records[0];
      if (first === undefined) return;
      await producer.send({
        topic: first.topic,
        acks: -1,
        messages: records.map((r) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
      });
    },
    close: () => producer.disconnect(),
  };
}
