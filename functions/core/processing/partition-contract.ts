/**
 * The contract between the Lambda handler and a processor, for one
 * partition of a batch: what the handler decoded and dead-lettered, what the
 * processor rejects and where it stopped. It sits below both, so the
 * handler depends on the engine's interface and the engine on nothing of
 * the handler's.
 */
import type { DeadLetterReason } from '../dlq/reasons.js';
import type { KafkaEventRecord } from '../msk/types.js';
import type { WireFormat } from '../serde/wire-format.js';

/** A record header with its value as bytes. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer;
}

/** A record whose value decoded and fits the reader schema. */
export interface DecodedRecord<TValue = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Kafka record timestamp, epoch millis. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly format: WireFormat;
  readonly schemaVersionId?: string;
  /** null for a tombstone. */
  readonly value: TValue;
  /** The record exactly as it arrived, for dead-lettering it later. */
  readonly source: KafkaEventRecord;
}

/** A record that was dead-lettered before it reached the processor. */
export interface PoisonRecord {
  readonly offset: number;
  readonly reason: DeadLetterReason;
  readonly error: Error;
  readonly schemaVersionId?: string;
  readonly source: KafkaEventRecord;
}

/** What a processor is given for one partition of a batch. */
export interface PartitionInput<TValue = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly topicPartition: string;
  /** Decoded records in offset order. */
  readonly records: readonly DecodedRecord<TValue>[];
  /** Records of this partition that are being dead-lettered, in offset order. */
  readonly poisonRecords: readonly PoisonRecord[];
  /**
   * The highest offset the processor is responsible for: every offset up to
   * it is either in `records` or in `poisonRecords`, so a checkpoint may
   * advance to it.
   */
  readonly lastOffset: number;
  /**
   * Writes dead letters now, before the processor commits past them. A
   * processor that checkpoints must use this for records it rejects:
   * after its commit a redelivery skips them, so they could not be written
   * again if the invocation failed later.
   */
  readonly deadLetter: (rejected: readonly RejectedRecord[]) => Promise<void>;
}

/** A decoded record the processor rejects; it is dead-lettered with its payload. */
export interface RejectedRecord {
  readonly record: DecodedRecord;
  readonly reason: Extract<DeadLetterReason, 'VALIDATION_ERROR' | 'PROCESSING_ERROR' | 'LATE_EVENT'>;
  readonly error: unknown;
}

/** What a processor reports back for one partition. */
export interface PartitionOutcome {
  readonly rejected?: readonly RejectedRecord[];
  /**
   * The first offset that was not committed. The mapping redelivers the
   * partition from here; records before it are done.
   */
  readonly retryFromOffset?: number;
}

/** Processes one partition's decoded records; the handler calls it for each partition of a batch. */
export type PartitionProcessor = (input: PartitionInput) => Promise<PartitionOutcome | undefined>;
