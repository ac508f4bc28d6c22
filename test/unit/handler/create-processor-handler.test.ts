import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createProcessorHandler } from '../../../functions/core/handler/create-processor-handler.js';
import type { DecodedRecord } from '../../../functions/core/processing/partition-contract.js';
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { writeConfluentFrame } from '../../../functions/core/serde/confluent-wire-format.js';
import { GlueCompression, writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { RecordingDeadLetterWriter, captureStdout, lambdaContext, quietObservability } from '../../helpers/handler-harness.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { kafkaRecord, loadFixture, mskEvent } from '../../helpers/kafka-events.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../helpers/orders.js';

const ordersV3 = parseAvroSchema(subjectVersion('orders', 3));
const validBody = ordersV3.toBuffer(orderEvent(3));

function registry(): InMemorySchemaRegistry {
  return new InMemorySchemaRegistry({ [ORDERS_SCHEMA_IDS[3]]: subjectVersion('orders', 3) });
}

/** The order-analytics handler on the in-memory registry, publishing its metrics. */
function metricsHandler(props: Partial<Parameters<typeof createProcessorHandler>[0]> = {}): ReturnType<typeof createProcessorHandler> {
  return createProcessorHandler({
    processorName: 'order-analytics',
    readerSchema: subjectVersion('orders', 3),
    registry: registry(),
    deadLetters: new RecordingDeadLetterWriter(),
    observability: quietObservability('order-analytics', { emitMetrics: true }),
    ...props,
  });
}

/** The EMF documents among the lines a handler printed. */
function emfDocuments(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createProcessorHandler', () => {
  it('runs the record path through middy and answers with a Kafka batch response', async () => {
    // Prepare
    const deadLetters = new RecordingDeadLetterWriter();
    const handler = createProcessorHandler({
      processorName: 'order-analytics',
      readerSchema: subjectVersion('orders', 3),
      registry: new InMemorySchemaRegistry({ [ORDERS_SCHEMA_IDS[1]]: subjectVersion('orders', 1), [ORDERS_SCHEMA_IDS[2]]: subjectVersion('orders', 2), [ORDERS_SCHEMA_IDS[3]]: subjectVersion('orders', 3), '7': subjectVersion('orders', 3) }),
      deadLetters,
      observability: quietObservability('order-analytics'),
      processPartition: (input) => Promise.resolve(input.partition === 1 ? { retryFromOffset: 12 } : undefined),
    });

    // Act
    const response = await handler(loadFixture('events/mixed-formats.json'), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-1', offset: 12 } }] });
    expect(deadLetters.letters.map((l) => l.offset)).toEqual([102, 103, 104, 105, 106]);
  });

  it('publishes EMF metrics for records received, decoded and dead-lettered by reason', async () => {
    // Prepare
    const handler = metricsHandler();
    const event = mskEvent([
      kafkaRecord({ offset: 1, value: writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody) }),
      kafkaRecord({ offset: 2, value: Buffer.from('garbage') }),
      kafkaRecord({ offset: 3, value: Buffer.from('{}') }),
      kafkaRecord({ offset: 4, value: Buffer.from([1, 2, 3]) }),
    ]);

    // Act: per-reason counts are single metrics, which read the switch when they are made.
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const lines = await captureStdout(() => handler(event, lambdaContext())).finally(() => {
      process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    });

    // Assess
    const documents = emfDocuments(lines);
    const batch = documents.find((d) => 'RecordsReceived' in d);
    expect(batch).toMatchObject({ RecordsReceived: 4, RecordsDecoded: 1, RecordsDeadLettered: 3, service: 'order-analytics' });
    const byReason = Object.fromEntries(
      documents.filter((d) => 'reason' in d).map((d) => [d.reason as string, d.RecordsDeadLettered as number]),
    );
    expect(byReason).toEqual({ DECODE_ERROR: 2, VALIDATION_ERROR: 1 });
  });

  it('publishes each finished record\'s end-to-end latency, and none for records left to retry', async () => {
    // Prepare
    const handler = metricsHandler({ processPartition: () => Promise.resolve({ retryFromOffset: 3 }) });
    const writtenAt = Date.now();
    const event = mskEvent([
      kafkaRecord({ offset: 1, value: writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody), timestamp: writtenAt - 60_000 }),
      kafkaRecord({ offset: 2, value: writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody), timestamp: writtenAt - 5_000 }),
      kafkaRecord({ offset: 3, value: writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody), timestamp: writtenAt - 1_000 }),
    ]);

    // Act
    const lines = await captureStdout(() => handler(event, lambdaContext()));

    // Assess: offsets 1 and 2 are done; 3 comes back, so it is measured when it is done.
    const documents = emfDocuments(lines);
    const latencies = documents.flatMap((d) => (d.EndToEndLatency === undefined ? [] : [d.EndToEndLatency].flat())) as number[];
    expect(latencies).toHaveLength(2);
    const [oldest, newer] = [...latencies].sort((a, b) => b - a);
    expect(oldest).toBeGreaterThanOrEqual(60_000);
    expect(oldest).toBeLessThan(70_000);
    expect(newer).toBeGreaterThanOrEqual(5_000);
    expect(newer).toBeLessThan(15_000);
    const unit = documents.flatMap((d) => (d._aws as { CloudWatchMetrics: { Metrics: { Name: string; Unit: string }[] }[] }).CloudWatchMetrics[0]!.Metrics);
    expect(unit.find((m) => m.Name === 'EndToEndLatency')?.Unit).toBe('Milliseconds');
  });

  it('throws naming the variable when the environment lacks the registry or queue', () => {
    const saved = { ...process.env };
    delete process.env.SCHEMA_REGISTRY_NAME;
    process.env.DEAD_LETTER_QUEUE_URL = 'not a url';
    try {
      expect(() => createProcessorHandler({ processorName: 'p', observability: quietObservability() })).toThrow(
        /SCHEMA_REGISTRY_NAME.*DEAD_LETTER_QUEUE_URL/s,
      );
    } finally {
      process.env = saved;
    }
  });
});

/** Inputs that can never decode against orders v3, whatever the random draw. */
const undecodable = fc.oneof(
  // truncated Glue headers
  fc.uint8Array({ maxLength: 16 }).map((rest) => Buffer.from([3, ...rest.subarray(0, 16)])),
  // truncated Confluent headers
  fc.uint8Array({ maxLength: 3 }).map((rest) => Buffer.from([0, ...rest])),
  // a valid record cut short (a strict prefix of an Avro body cannot decode)
  fc.integer({ min: 0, max: validBody.length - 1 }).map((n) => writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody.subarray(0, n))),
  fc.integer({ min: 0, max: validBody.length - 1 }).map((n) => writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody.subarray(0, n), GlueCompression.ZLIB)),
  // an unknown writer schema
  fc.uint8Array({ maxLength: 64 }).map((body) => writeConfluentFrame(99, body)),
);

/** Inputs that may, however rarely, decode: each must still be accounted for exactly once. */
const arbitrary = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.uint8Array({ maxLength: 128 }).map((body) => writeGlueFrame(ORDERS_SCHEMA_IDS[3], body)),
  fc
    .tuple(fc.integer({ min: 0, max: validBody.length - 1 }), fc.integer({ min: 1, max: 255 }))
    .map(([at, flip]) => {
      const corrupt = Buffer.from(validBody);
      corrupt[at] = (corrupt[at] ?? 0) ^ flip;
      return writeGlueFrame(ORDERS_SCHEMA_IDS[3], corrupt);
    }),
);

const input = fc.oneof(
  undecodable.map((bytes) => ({ bytes, kind: 'undecodable' as const })),
  arbitrary.map((bytes) => ({ bytes, kind: 'arbitrary' as const })),
  fc.constant({ bytes: writeGlueFrame(ORDERS_SCHEMA_IDS[3], validBody), kind: 'valid' as const }),
);

describe('createProcessorHandler: poison records, property', () => {
  it('never throws for arbitrary bytes, truncated headers or corrupt Avro; each bad record is exactly one dead letter with its original bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), input), { minLength: 1, maxLength: 40 }), async (drawn) => {
        // Prepare
        const offsets = [0, 0, 0];
        const records: KafkaEventRecord[] = [];
        const kinds = new Map<string, string>();
        for (const [partition, { bytes, kind }] of drawn) {
          const offset = offsets[partition]!++;
          records.push(kafkaRecord({ partition, offset, value: bytes }));
          kinds.set(`${partition}/${offset}`, kind);
        }
        const deadLetters = new RecordingDeadLetterWriter();
        const processed: DecodedRecord[] = [];
        const handler = createProcessorHandler({
          processorName: 'order-analytics',
          readerSchema: subjectVersion('orders', 3),
          registry: registry(),
          deadLetters,
          observability: quietObservability(),
          processPartition: (p) => (processed.push(...p.records), Promise.resolve(undefined)),
        });

        // Act
        const response = await handler(mskEvent(records), lambdaContext());

        // Assess
        expect(response).toEqual({ batchItemFailures: [] });
        const lettered = new Map(deadLetters.letters.map((l) => [`${l.partition}/${l.offset}`, l]));
        expect(lettered.size).toBe(deadLetters.letters.length);
        const decoded = new Set(processed.map((r) => `${r.partition}/${r.offset}`));
        for (const record of records) {
          const id = `${record.partition}/${record.offset}`;
          const letter = lettered.get(id);
          expect(Number(letter !== undefined) + Number(decoded.has(id))).toBe(1);
          if (kinds.get(id) === 'undecodable') expect(letter).toBeDefined();
          if (kinds.get(id) === 'valid') expect(decoded.has(id)).toBe(true);
          if (letter !== undefined) expect(letter.value).toBe(record.value);
        }
      }),
      { numRuns: 150 },
    );
  });
});
