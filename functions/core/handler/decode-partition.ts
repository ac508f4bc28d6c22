import { DeadLetterReason } from '../dlq/reasons.js';
import type { KafkaPartitionBatch } from '../msk/partitions.js';
import type { KafkaEventRecord } from '../msk/types.js';
import { SchemaRegistryUnavailableError, SerdeError } from '../serde/errors.js';
import type { RecordDecoder } from '../serde/record-decoder.js';
import type { DecodedRecord, PoisonRecord } from '../processing/partition-contract.js';
import { toRecordHeaders } from './record-headers.js';

export interface DecodedPartition {
  readonly records: DecodedRecord[];
  readonly poisonRecords: PoisonRecord[];
  /**
   * Set when the registry could not be asked: decoding stopped at this
   * offset, and the partition must be redelivered from it.
   */
  readonly stoppedAtOffset?: number;
}

/**
 * Decodes a partition's records in offset order. A record that cannot be
 * decoded becomes a poison record and the partition goes on; a registry
 * outage stops the partition, since every later record would fail the same
 * way and none of them is at fault.
 */
export async function decodePartition(batch: KafkaPartitionBatch, decoder: RecordDecoder): Promise<DecodedPartition> {
  const records: DecodedRecord[] = [];
  const poisonRecords: PoisonRecord[] = [];
  for (const source of batch.records) {
    try {
      records.push(await decodeRecord(source, decoder));
    } catch (error) {
      if (error instanceof SchemaRegistryUnavailableError) {
        return { records, poisonRecords, stoppedAtOffset: source.offset };
      }
      poisonRecords.push(toPoison(source, error));
    }
  }
  return { records, poisonRecords };
}

async function decodeRecord(source: KafkaEventRecord, decoder: RecordDecoder): Promise<DecodedRecord> {
  const bytes = source.value === undefined || source.value === null ? null : Buffer.from(source.value, 'base64');
  const decoded = await decoder.decode(bytes, source.valueSchemaMetadata);
  return {
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    timestamp: source.timestamp,
    key: source.key === undefined || source.key === null ? null : Buffer.from(source.key, 'base64'),
    headers: toRecordHeaders(source.headers),
    format: decoded.format,
    schemaVersionId: decoded.schemaVersionId,
    value: decoded.value,
    source,
  };
}

function toPoison(source: KafkaEventRecord, error: unknown): PoisonRecord {
  if (error instanceof SerdeError) {
    return {
      offset: source.offset,
      reason: error.reason,
      error,
      schemaVersionId: error.schemaVersionId,
      source,
    };
  }
  // Anything else thrown while decoding is still about this record's bytes:
  // park the record rather than block the partition behind it.
  const wrapped = error instanceof Error ? error : new Error(String(error));
  return { offset: source.offset, reason: DeadLetterReason.DECODE_ERROR, error: wrapped, source };
}
