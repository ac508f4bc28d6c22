import { KafkaEventError, KafkaEventErrorReason } from './errors.js';
import type { KafkaEvent, KafkaEventRecord } from './types.js';
import * as z from '../validation/zod-mini.js';

/** The records of one topic-partition of an event, in offset order. */
export interface KafkaPartitionBatch {
  readonly topic: string;
  readonly partition: number;
  /** `<topic>-<partition>`, the key Lambda uses in `records` and in batch responses. */
  readonly topicPartition: string;
  readonly records: readonly KafkaEventRecord[];
}

const schemaMetadata = z.object({ dataFormat: z.string(), schemaId: z.string() });

const kafkaRecord = z.looseObject({
  topic: z.string().check(z.minLength(1)),
  partition: z.number().check(z.int(), z.gte(0)),
  offset: z.number().check(z.int(), z.gte(0)),
  timestamp: z.number(),
  timestampType: z.string(),
  key: z.nullish(z.string()),
  value: z.nullish(z.string()),
  headers: z.optional(z.array(z.record(z.string(), z.array(z.number().check(z.int(), z.gte(0), z.lte(255)))))),
  keySchemaMetadata: z.optional(schemaMetadata),
  valueSchemaMetadata: z.optional(schemaMetadata),
});

const kafkaEvent = z.looseObject({
  eventSource: z.enum(['aws:kafka', 'SelfManagedKafka']),
  bootstrapServers: z.optional(z.string()),
  eventSourceArn: z.optional(z.string()),
  records: z.record(z.string(), z.array(kafkaRecord)),
});

/**
 * Checks that an invocation payload is a Kafka event as the event source
 * mapping sends it. A payload that is not fails the whole invocation with an
 * error naming the first offending path.
 */
export function parseKafkaEvent(payload: unknown): KafkaEvent {
  const result = kafkaEvent.safeParse(payload);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.join('.') ?? '';
    const reason =
      path.startsWith('records.') && issue !== undefined && issue.path.length > 2
        ? KafkaEventErrorReason.MALFORMED_RECORD
        : KafkaEventErrorReason.NOT_A_KAFKA_EVENT;
    throw new KafkaEventError(
      `Invalid Kafka event at '${path || '(root)'}': ${issue?.message ?? 'unknown problem'}`,
      reason,
      { cause: result.error },
    );
  }
  return result.data as KafkaEvent;
}

/**
 * Splits an event into its partitions, in the order they appear in the event,
 * each with its records sorted by offset. Topic and partition come from the
 * records themselves: topic names may contain '-', so the `records` key is
 * not parsed.
 */
export function partitionsOf(event: KafkaEvent): KafkaPartitionBatch[] {
  const byTopicPartition = new Map<string, { topic: string; partition: number; records: KafkaEventRecord[] }>();
  for (const records of Object.values(event.records)) {
    for (const record of records) {
      const topicPartition = `${record.topic}-${record.partition}`;
      let batch = byTopicPartition.get(topicPartition);
      if (batch === undefined) {
        batch = { topic: record.topic, partition: record.partition, records: [] };
        byTopicPartition.set(topicPartition, batch);
      }
      batch.records.push(record);
    }
  }
  return [...byTopicPartition.entries()].map(([topicPartition, batch]) => ({
    topic: batch.topic,
    partition: batch.partition,
    topicPartition,
    records: batch.records.sort((a, b) => a.offset - b.offset),
  }));
}
