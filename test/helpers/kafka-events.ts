import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KafkaEvent, KafkaEventRecord } from '../../functions/core/msk/types.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Loads a JSON fixture; each call returns a fresh copy a test may change. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(`${FIXTURES_DIR}${relativePath}`, 'utf8')) as T;
}

export interface RecordSpec {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset: number;
  readonly value: Uint8Array | null;
  readonly key?: Uint8Array | null;
  readonly headers?: Record<string, number[]>[];
  readonly timestamp?: number;
  readonly valueSchemaMetadata?: { dataFormat: string; schemaId: string };
}

export function kafkaRecord(spec: RecordSpec): KafkaEventRecord {
  return {
    topic: spec.topic ?? 'orders',
    partition: spec.partition ?? 0,
    offset: spec.offset,
    timestamp: spec.timestamp ?? 1_767_225_600_000 + spec.offset,
    timestampType: 'CREATE_TIME',
    key: spec.key === undefined ? Buffer.from(`key-${spec.offset}`).toString('base64') : spec.key === null ? null : Buffer.from(spec.key).toString('base64'),
    value: spec.value === null ? null : Buffer.from(spec.value).toString('base64'),
    headers: spec.headers ?? [{ 'trace-id': [...Buffer.from(`t${spec.offset}`)] }],
    valueSchemaMetadata: spec.valueSchemaMetadata,
  };
}

/** An `aws:kafka` event with the records grouped under `<topic>-<partition>` in the order given. */
export function mskEvent(records: readonly KafkaEventRecord[]): KafkaEvent {
  const grouped: Record<string, KafkaEventRecord[]> = {};
  for (const record of records) (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/retail/abcd1234-0000-0000-0000-000000000000-1',
    bootstrapServers: 'b-1.retail.kafka.eu-west-1.amazonaws.com:9098,b-2.retail.kafka.eu-west-1.amazonaws.com:9098',
    records: grouped,
  };
}
