/**
 * Powertools' Kafka consumer as the decode bench drives it: fed what an MSK
 * mapping with schema-registry integration and EventRecordFormat SOURCE
 * delivers (the Glue header removed by Lambda), with one fixed Avro schema;
 * what it makes of values still in the Glue frame; and, for scale, its Avro
 * library with the schema parsed once.
 */
import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import type { ConsumerRecord, MSKEvent } from '@aws-lambda-powertools/kafka/types';
import type { Context } from 'aws-lambda';
import type { KafkaEvent } from '../functions/core/msk/types.js';
import { readGlueFrame } from '../functions/core/serde/glue-wire-format.js';
import type { BenchWorkload } from './workload.js';

type PowertoolsRecord = MSKEvent['records'][string][number];
export type PowertoolsHandler = (event: MSKEvent, context: Context) => Promise<unknown>;

// Powertools' consumer does not read the Lambda context.
const CONTEXT = {} as Context;

/**
 * What Lambda hands the function when the mapping validates records against
 * the registry and delivers them in SOURCE format: the schema metadata is
 * stripped from the value and described beside it.
 */
export function asSourceFormat(event: KafkaEvent): MSKEvent {
  const records = Object.fromEntries(
    Object.entries(event.records).map(([topicPartition, records]) => [
      topicPartition,
      records.map((record) => ({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        timestampType: record.timestampType,
        key: record.key ?? null,
        value: readGlueFrame(Buffer.from(record.value ?? '', 'base64')).body.toString('base64'),
        headers: record.headers ?? [],
        // Powertools' Avro path reads no schema metadata; its type wants both fields, Lambda sends them only for validated parts.
      }) as PowertoolsRecord),
    ]),
  );
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: event.eventSourceArn ?? '',
    bootstrapServers: event.bootstrapServers ?? '',
    records,
  };
}

export function powertoolsConsumer(schema: string, onRecord: (record: ConsumerRecord<unknown, unknown>) => void): PowertoolsHandler {
  return kafkaConsumer<unknown, unknown>(
    (event) => {
      for (const record of event.records) onRecord(record);
      return Promise.resolve();
    },
    { value: { type: 'avro', schema } },
  );
}

/** The part of avro-js (Powertools' Avro library) the bench uses. */
export interface AvroJs {
  parse(schema: string): { fromBuffer(buffer: Buffer): unknown };
}

/**
 * For scale, not a figure: avro-js (Powertools' Avro library) with the
 * schema parsed once, over the same bodies. Powertools 2.35 parses the
 * schema inside every value's deserialization, which is most of its cost.
 */
export function avroJsParsedOnce(avro: AvroJs, schema: string, events: readonly MSKEvent[]): number {
  const type = avro.parse(schema);
  const values = events.flatMap((event) => Object.values(event.records).flat().map((record) => record.value ?? ''));
  const run = (): number => values.reduce((decoded, value) => (type.fromBuffer(Buffer.from(value, 'base64')) === null ? decoded : decoded + 1), 0);
  run();
  const started = performance.now();
  const decoded = run();
  return Math.round(decoded / ((performance.now() - started) / 1000));
}

/** What Powertools makes of values still in the Glue frame: checked, not assumed. */
export async function framedOutcome(workload: BenchWorkload): Promise<string> {
  const event = workload.events[0];
  if (event === undefined) return 'not checked (no events)';
  const failures = new Map<string, number>();
  let decoded = 0;
  const consumer = powertoolsConsumer(workload.schema, (record) => {
    try {
      if (record.value !== undefined) decoded += 1;
    } catch (error) {
      const name = (error as Error).name;
      failures.set(name, (failures.get(name) ?? 0) + 1);
    }
  });
  // Our events carry the same fields Powertools reads; only the value is framed.
  await consumer(event as unknown as MSKEvent, CONTEXT);
  const total = decoded + [...failures.values()].reduce((a, b) => a + b, 0);
  const thrown = [...failures].map(([name, n]) => `${name} on ${n}`).join(', ');
  return `fed the Glue-framed values of the first batch, it ${thrown === '' ? 'throws on none' : `throws ${thrown}`} and returns a value for ${decoded} of ${total}`;
}

export async function runPowertools(handler: PowertoolsHandler, events: readonly MSKEvent[]): Promise<void> {
  for (const event of events) await handler(event, CONTEXT);
}

/** A decimal's unscaled value from its big-endian two's-complement bytes, as avro-js hands a decimal over. */
export function unscaledDecimal(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  const negative = (bytes[0]! & 0x80) !== 0;
  return negative ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}
