/**
 * How a Lambda Kafka event source mapping gathers fetched records into the
 * batch of one invocation: when a batch is due, and which records it takes.
 * Pure: the clock comes in as arrival times, the poller does the I/O.
 *
 * Facts this follows (AWS Lambda Developer Guide):
 * - API_EventSourceMappingConfiguration.html: a batch is capped by the 6 MB
 *   synchronous payload limit as well as by BatchSize, and the batching
 *   window is the longest Lambda gathers records before invoking.
 * - msk-esm-parameters.html: BatchSize 100 (at most 10,000),
 *   MaximumBatchingWindowInSeconds 500 ms.
 */
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';

/** The synchronous invocation payload limit, which also caps a batch. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** A record fetched and waiting for a batch. */
export interface BufferedRecord {
  readonly record: KafkaEventRecord;
  /** Its share of the serialized event. */
  readonly bytes: number;
  readonly arrivedAt: number;
}

/** One partition's records waiting for a batch, oldest first. */
export interface WaitingPartition {
  readonly topicPartition: string;
  readonly records: readonly BufferedRecord[];
}

export interface BatchLimits {
  readonly batchSize: number;
  readonly maximumBatchingWindowMs: number;
  /** The serialized event without records. */
  readonly envelopeBytes: number;
  readonly maxPayloadBytes: number;
}

/**
 * When the next batch is due: at once when the waiting records fill a batch
 * (by count or payload), else when the oldest has waited the batching
 * window; undefined when nothing waits.
 */
export function batchDueAt(waiting: readonly WaitingPartition[], limits: BatchLimits): number | undefined {
  const all = waiting.flatMap((w) => w.records);
  if (all.length === 0) return undefined;
  const bytes = all.reduce((sum, r) => sum + r.bytes, limits.envelopeBytes);
  if (all.length >= limits.batchSize || bytes >= limits.maxPayloadBytes) return Number.NEGATIVE_INFINITY;
  return Math.min(...all.map((r) => r.arrivedAt)) + limits.maximumBatchingWindowMs;
}

export interface AssembledBatch {
  readonly records: readonly KafkaEventRecord[];
  /** Records taken per topic-partition, always a prefix of what waits. */
  readonly taken: ReadonlyMap<string, number>;
  /** One record that alone exceeds the payload limit. */
  readonly oversized: boolean;
}

/**
 * The next batch: partitions that have waited longest first, each
 * contributing a prefix of its records, until the batch size or the payload
 * limit is reached.
 */
export function assembleBatch(waiting: readonly WaitingPartition[], limits: BatchLimits): AssembledBatch {
  const ordered = waiting
    .filter((w) => w.records.length > 0)
    .sort((a, b) => a.records[0]!.arrivedAt - b.records[0]!.arrivedAt);
  const records: KafkaEventRecord[] = [];
  const taken = new Map<string, number>();
  let bytes = limits.envelopeBytes;
  for (const { topicPartition, records: buffered } of ordered) {
    // `"<key>":[` plus the separator between partitions.
    const partitionBytes = Buffer.byteLength(JSON.stringify(topicPartition)) + 3;
    for (const [index, { record, bytes: recordBytes }] of buffered.entries()) {
      const cost = recordBytes + (index === 0 ? partitionBytes : 0);
      if (records.length >= limits.batchSize) return { records, taken, oversized: false };
      if (bytes + cost > limits.maxPayloadBytes) {
        if (records.length > 0) return { records, taken, oversized: false };
        return { records: [record], taken: new Map([[topicPartition, 1]]), oversized: true };
      }
      records.push(record);
      taken.set(topicPartition, index + 1);
      bytes += cost;
    }
  }
  return { records, taken, oversized: false };
}
