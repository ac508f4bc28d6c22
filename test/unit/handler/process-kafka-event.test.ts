import { describe, expect, it } from 'vitest';
import type { PartitionInput } from '../../../functions/core/processing/partition-contract.js';
import { processKafkaEvent, type KafkaEventProcessingDeps } from '../../../functions/core/handler/process-kafka-event.js';
import { KafkaEventError } from '../../../functions/core/msk/errors.js';
import type { KafkaEvent } from '../../../functions/core/msk/types.js';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { SchemaRegistryUnavailableError } from '../../../functions/core/serde/errors.js';
import { writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import type { SchemaRegistry } from '../../../functions/core/serde/schema-registry.js';
import { RecordingDeadLetterWriter, quietObservability } from '../../helpers/handler-harness.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { kafkaRecord, loadFixture, mskEvent } from '../../helpers/kafka-events.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../helpers/orders.js';

const NOW = new Date('2026-11-22T08:00:00.000Z');

function registry(): InMemorySchemaRegistry {
  return new InMemorySchemaRegistry({
    [ORDERS_SCHEMA_IDS[1]]: subjectVersion('orders', 1),
    [ORDERS_SCHEMA_IDS[2]]: subjectVersion('orders', 2),
    [ORDERS_SCHEMA_IDS[3]]: subjectVersion('orders', 3),
    '7': subjectVersion('orders', 3),
  });
}

function deps(overrides: Partial<KafkaEventProcessingDeps> & { schemaRegistry?: SchemaRegistry } = {}): KafkaEventProcessingDeps & {
  deadLetters: RecordingDeadLetterWriter;
} {
  const { logger, metrics } = quietObservability();
  return {
    processorName: 'order-analytics',
    decoder: new RecordDecoder({ registry: overrides.schemaRegistry ?? registry(), readerSchema: subjectVersion('orders', 3) }),
    deadLetters: new RecordingDeadLetterWriter(),
    logger,
    metrics,
    now: () => NOW,
    ...overrides,
  } as KafkaEventProcessingDeps & { deadLetters: RecordingDeadLetterWriter };
}

const validOrder = (version: 1 | 2 | 3, offset: number, partition = 0) =>
  kafkaRecord({
    partition,
    offset,
    value: writeGlueFrame(ORDERS_SCHEMA_IDS[version], parseAvroSchema(subjectVersion('orders', version)).toBuffer(orderEvent(version))),
  });

describe('processKafkaEvent', () => {
  it('hands each partition its decoded records in offset order and its poison records apart', async () => {
    // Prepare
    const seen: PartitionInput[] = [];
    const d = deps({ processPartition: (input) => (seen.push(input), Promise.resolve(undefined)) });

    // Act
    const response = await processKafkaEvent(loadFixture('events/mixed-formats.json'), d);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen.map((p) => [p.topicPartition, p.records.map((r) => r.offset), p.poisonRecords.map((r) => r.offset), p.lastOffset])).toEqual([
      ['orders-1', [10, 11, 12], [], 12],
      ['orders-0', [100, 101, 107], [102, 103, 104, 105, 106], 107],
    ]);
    expect(seen[0]?.records.map((r) => (r.value as { schema_version: number }).schema_version)).toEqual([1, 2, 3]);
  });

  it('dead-letters each poison record once with its reason and the bytes exactly as they arrived', async () => {
    // Prepare
    const event = loadFixture<KafkaEvent>('events/mixed-formats.json');
    const d = deps();

    // Act
    await processKafkaEvent(event, d);

    // Assess
    const arrived = new Map(event.records['orders-0']!.map((r) => [r.offset, r]));
    expect(d.deadLetters.letters.map((l) => [l.offset, l.reason])).toEqual([
      [102, 'DECODE_ERROR'],
      [103, 'SCHEMA_NOT_FOUND'],
      [104, 'DECODE_ERROR'],
      [105, 'DECODE_ERROR'],
      [106, 'VALIDATION_ERROR'],
    ]);
    for (const letter of d.deadLetters.letters) {
      const original = arrived.get(letter.offset)!;
      expect(letter).toMatchObject({
        processor: 'order-analytics',
        topic: 'orders',
        partition: 0,
        key: original.key,
        value: original.value,
        headers: original.headers,
        timestamp: original.timestamp,
        eventSourceArn: event.eventSourceArn,
        failedAt: NOW.toISOString(),
      });
      expect(letter.error.message.length).toBeGreaterThan(0);
    }
    expect(d.deadLetters.letters.find((l) => l.offset === 103)?.schemaVersionId).toBe('00000000-0000-4000-8000-00000000dead');
  });

  it('fails the invocation when the dead letters cannot be written', async () => {
    const d = deps({ deadLetters: new RecordingDeadLetterWriter(new Error('SQS is down')) });
    await expect(processKafkaEvent(loadFixture('events/mixed-formats.json'), d)).rejects.toThrow('SQS is down');
  });

  it('retries only the partition whose processor failed, from its first offset, and leaves its dead letters to the retry', async () => {
    // Prepare
    const event = mskEvent([
      validOrder(1, 5, 0),
      kafkaRecord({ partition: 0, offset: 6, value: Buffer.from('garbage') }),
      validOrder(2, 20, 1),
      kafkaRecord({ partition: 1, offset: 21, value: Buffer.from('garbage') }),
    ]);
    const d = deps({
      processPartition: (input) => (input.partition === 0 ? Promise.reject(new Error('DynamoDB throttled')) : Promise.resolve(undefined)),
    });

    // Act
    const response = await processKafkaEvent(event, d);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 5 } }] });
    expect(d.deadLetters.letters.map((l) => [l.partition, l.offset])).toEqual([[1, 21]]);
  });

  it('retries from the offset the processor reports and writes only the dead letters before it', async () => {
    const event = mskEvent([
      kafkaRecord({ offset: 1, value: Buffer.from('garbage') }),
      validOrder(3, 2),
      validOrder(3, 3),
      kafkaRecord({ offset: 4, value: Buffer.from('garbage') }),
    ]);
    const d = deps({ processPartition: () => Promise.resolve({ retryFromOffset: 3 }) });

    const response = await processKafkaEvent(event, d);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: { partition: 'orders-0', offset: 3 } }]);
    expect(d.deadLetters.letters.map((l) => l.offset)).toEqual([1]);
  });

  it('dead-letters the records a processor rejects, with their original payload', async () => {
    const event = mskEvent([validOrder(3, 40), validOrder(3, 41)]);
    const d = deps({
      processPartition: (input) =>
        Promise.resolve({ rejected: [{ record: input.records[1]!, reason: 'PROCESSING_ERROR' as const, error: new TypeError('bad total') }] }),
    });

    await processKafkaEvent(event, d);

    expect(d.deadLetters.letters).toHaveLength(1);
    expect(d.deadLetters.letters[0]).toMatchObject({
      offset: 41,
      reason: 'PROCESSING_ERROR',
      error: { name: 'TypeError', message: 'bad total' },
      value: event.records['orders-0']![1]!.value,
      schemaVersionId: ORDERS_SCHEMA_IDS[3],
    });
  });

  it('stops a partition at a registry outage and retries it from there, processing what came before', async () => {
    // Prepare
    const known = registry();
    const flaky: SchemaRegistry = {
      getSchemaDefinition: (id) =>
        id === ORDERS_SCHEMA_IDS[2] ? Promise.reject(new SchemaRegistryUnavailableError('Glue throttled', id)) : known.getSchemaDefinition(id),
    };
    const seen: PartitionInput[] = [];
    const d = deps({ schemaRegistry: flaky, processPartition: (input) => (seen.push(input), Promise.resolve(undefined)) });
    const event = mskEvent([validOrder(1, 1), validOrder(2, 2), validOrder(1, 3)]);

    // Act
    const response = await processKafkaEvent(event, d);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: { partition: 'orders-0', offset: 2 } }]);
    expect(seen[0]?.records.map((r) => r.offset)).toEqual([1]);
    expect(seen[0]?.lastOffset).toBe(1);
    expect(d.deadLetters.letters).toEqual([]);
  });

  it('throws KafkaEventError for a payload that is not a Kafka event', async () => {
    await expect(processKafkaEvent({ Records: [{ body: 'x' }] }, deps())).rejects.toBeInstanceOf(KafkaEventError);
  });

  it('answers with no failures and no dead letters for an empty event', async () => {
    const d = deps();
    expect(await processKafkaEvent(mskEvent([]), d)).toEqual({ batchItemFailures: [] });
    expect(d.deadLetters.letters).toEqual([]);
  });
});
