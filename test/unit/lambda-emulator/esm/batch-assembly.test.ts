import { describe, expect, it } from 'vitest';
import type { KafkaEventRecord } from '../../../../functions/core/msk/types.js';
import {
  MAX_PAYLOAD_BYTES,
  assembleBatch,
  batchDueAt,
  type BatchLimits,
  type WaitingPartition,
} from '../../../../scripts/lambda-emulator/esm/batch-assembly.js';

function record(topic: string, partition: number, offset: number): KafkaEventRecord {
  return { topic, partition, offset, timestamp: 1_767_225_599_000, timestampType: 'CREATE_TIME', value: 'e30=', headers: [] };
}

describe('batching', () => {
  const limits: BatchLimits = { batchSize: 3, maximumBatchingWindowMs: 500, envelopeBytes: 100, maxPayloadBytes: MAX_PAYLOAD_BYTES };
  const waiting = (topicPartition: string, arrivedAt: number, offsets: number[], bytes = 10): WaitingPartition => ({
    topicPartition,
    records: offsets.map((offset) => ({ record: record('orders', Number(topicPartition.split('-')[1]), offset), bytes, arrivedAt })),
  });

  it('is due when the oldest record has waited the batching window', () => {
    expect(batchDueAt([], limits)).toBeUndefined();
    expect(batchDueAt([waiting('orders-0', 1_000, [1]), waiting('orders-1', 800, [1])], limits)).toBe(1_300);
  });

  it('is due at once when the records fill a batch by count or by payload', () => {
    expect(batchDueAt([waiting('orders-0', 1_000, [1, 2]), waiting('orders-1', 1_000, [1])], limits)).toBe(Number.NEGATIVE_INFINITY);
    expect(batchDueAt([waiting('orders-0', 1_000, [1], MAX_PAYLOAD_BYTES)], limits)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('takes the longest-waiting partitions first, each a prefix, up to the batch size', () => {
    const batch = assembleBatch([waiting('orders-0', 2_000, [5, 6]), waiting('orders-1', 1_000, [1, 2]), waiting('orders-2', 500, [])], limits);

    expect(batch.oversized).toBe(false);
    expect(batch.records.map((r) => `${r.partition}@${r.offset}`)).toEqual(['1@1', '1@2', '0@5']);
    expect(batch.taken).toEqual(new Map([['orders-1', 2], ['orders-0', 1]]));
  });

  it('stops before the payload limit', () => {
    const small = { ...limits, batchSize: 100, maxPayloadBytes: 160 };
    const batch = assembleBatch([waiting('orders-0', 0, [1, 2, 3, 4], 20)], small);
    // 100 (envelope) + 13 (key) + 20 + 20 = 153; a third record would make 173.
    expect(batch.records).toHaveLength(2);
  });

  it('sends a lone record bigger than the payload limit on its own, flagged oversized', () => {
    const batch = assembleBatch([waiting('orders-0', 0, [1, 2], MAX_PAYLOAD_BYTES)], limits);
    expect(batch.oversized).toBe(true);
    expect(batch.records.map((r) => r.offset)).toEqual([1]);
    expect(batch.taken).toEqual(new Map([['orders-0', 1]]));
  });
});
