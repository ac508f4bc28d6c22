import { describe, expect, it } from 'vitest';
import { KafkaEventError } from '../../../functions/core/msk/errors.js';
import { parseKafkaEvent, partitionsOf } from '../../../functions/core/msk/partitions.js';
import { kafkaBatchResponse } from '../../../functions/core/msk/batch-response.js';
import { kafkaRecord, loadFixture, mskEvent } from '../../helpers/kafka-events.js';

describe('parseKafkaEvent', () => {
  it('accepts an MSK event and a self-managed Kafka event', () => {
    const msk = loadFixture('events/mixed-formats.json');
    expect(parseKafkaEvent(msk).eventSource).toBe('aws:kafka');
    const selfManaged = { ...(msk as object), eventSource: 'SelfManagedKafka' };
    expect(parseKafkaEvent(selfManaged).eventSource).toBe('SelfManagedKafka');
  });

  it('throws NOT_A_KAFKA_EVENT naming the field when the payload is another event type', () => {
    expect(() => parseKafkaEvent({ Records: [] })).toThrow(KafkaEventError);
    expect(() => parseKafkaEvent({ eventSource: 'aws:sqs', records: {} })).toThrow(/'eventSource'/);
  });

  it('throws MALFORMED_RECORD naming the record path when a record is broken', () => {
    const event = mskEvent([kafkaRecord({ offset: 1, value: Buffer.from('{}') })]);
    (event.records['orders-0']![0] as { offset: unknown }).offset = -3;
    try {
      parseKafkaEvent(event);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ reason: 'MALFORMED_RECORD' });
      expect((error as Error).message).toContain("'records.orders-0.0.offset'");
    }
  });

  it('accepts records without key, value or headers', () => {
    const event = { ...mskEvent([]), records: { 'orders-0': [{ topic: 'orders', partition: 0, offset: 5, timestamp: 1, timestampType: 'CREATE_TIME' }] } };
    expect(partitionsOf(parseKafkaEvent(event))[0]?.records[0]?.offset).toBe(5);
  });
});

describe('partitionsOf', () => {
  it('keeps partitions in event order and sorts each by offset', () => {
    // Prepare
    const event = mskEvent([
      kafkaRecord({ topic: 'stock-movements', partition: 2, offset: 9, value: null }),
      kafkaRecord({ topic: 'stock-movements', partition: 2, offset: 7, value: null }),
      kafkaRecord({ topic: 'orders', partition: 0, offset: 3, value: null }),
      kafkaRecord({ topic: 'stock-movements', partition: 2, offset: 8, value: null }),
      kafkaRecord({ topic: 'orders', partition: 0, offset: 1, value: null }),
    ]);

    // Act
    const partitions = partitionsOf(event);

    // Assess
    expect(partitions.map((p) => [p.topic, p.partition, p.topicPartition, p.records.map((r) => r.offset)])).toEqual([
      ['stock-movements', 2, 'stock-movements-2', [7, 8, 9]],
      ['orders', 0, 'orders-0', [1, 3]],
    ]);
  });

  it('takes topic and partition from the records, so topics with dashes and digits are not misparsed', () => {
    const event = mskEvent([kafkaRecord({ topic: 'cdc-public-stock-1', partition: 11, offset: 0, value: null })]);
    expect(partitionsOf(event)[0]).toMatchObject({ topic: 'cdc-public-stock-1', partition: 11 });
  });
});

describe('kafkaBatchResponse', () => {
  it('answers with no failures when nothing is retried', () => {
    expect(kafkaBatchResponse([])).toEqual({ batchItemFailures: [] });
  });

  it('names each partition to retry as topic-partition with its offset', () => {
    expect(
      kafkaBatchResponse([
        { topic: 'orders', partition: 0, offset: 17 },
        { topic: 'stock-movements', partition: 3, offset: 2 },
      ]),
    ).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'orders-0', offset: 17 } },
        { itemIdentifier: { partition: 'stock-movements-3', offset: 2 } },
      ],
    });
  });

  it('reports a partition named twice once, from its lowest offset', () => {
    expect(
      kafkaBatchResponse([
        { topic: 'orders', partition: 0, offset: 17 },
        { topic: 'orders', partition: 0, offset: 12 },
      ]).batchItemFailures,
    ).toEqual([{ itemIdentifier: { partition: 'orders-0', offset: 12 } }]);
  });
});
