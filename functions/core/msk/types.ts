import type {
  MSKEvent,
  MSKRecord,
  SelfManagedKafkaEvent,
  SelfManagedKafkaRecord,
} from 'aws-lambda';

/**
 * Schema metadata that the event source mapping adds to a record when its
 * schema-registry integration is on. With `eventRecordFormat: SOURCE` the
 * mapping strips the wire-format framing from the bytes and reports the
 * writer schema here instead; with `JSON` it delivers the value as JSON.
 */
export interface KafkaSchemaMetadata {
  readonly dataFormat: 'AVRO' | 'JSON' | 'PROTOBUF' | (string & {});
  readonly schemaId: string;
}

/** Record headers exactly as Lambda delivers them: one object per header, value as a byte array. */
export type KafkaRecordHeaders = Array<Record<string, number[]>>;

/**
 * One record of an MSK or self-managed Kafka event. `key` and `value` are
 * base64 and either may be missing (a record without a key; a tombstone).
 */
export type KafkaEventRecord = Omit<MSKRecord | SelfManagedKafkaRecord, 'key' | 'value' | 'headers'> & {
  readonly key?: string | null;
  readonly value?: string | null;
  readonly headers?: KafkaRecordHeaders;
  readonly keySchemaMetadata?: KafkaSchemaMetadata;
  readonly valueSchemaMetadata?: KafkaSchemaMetadata;
};

/** The event Lambda sends for an MSK (`aws:kafka`) or self-managed Kafka event source mapping. */
export type KafkaEvent =
  | (Omit<MSKEvent, 'records'> & { readonly records: Record<string, KafkaEventRecord[]> })
  | (Omit<SelfManagedKafkaEvent, 'records'> & {
      readonly eventSourceArn?: string;
      readonly records: Record<string, KafkaEventRecord[]>;
    });

export type KafkaEventSource = KafkaEvent['eventSource'];
