import { describe, expect, it } from 'vitest';
import { writeFloorPer1000, type FloorRecord } from '../../../bench/write-floor.js';
import type { OrderEventEnvelope } from '../../../functions/order-analytics/definition.js';

function record(sequence: number, partition: number, customerId: string, storeId = 's1'): FloorRecord {
  return { sequence, partition, order: { payload: { customer_id: customerId, store_id: storeId } } as unknown as OrderEventEnvelope };
}

describe('writeFloorPer1000', () => {
  it('counts one item per key per partition-batch plus its checkpoint, where the workload placed the records', () => {
    // Given out of order; in sequence order the batches of 2 are {a on 0, b on 1} twice.
    const records = [record(2, 0, 'a'), record(0, 0, 'a'), record(3, 1, 'b'), record(1, 1, 'b')];

    // Each batch: (s1, a, checkpoint) on 0 + (s1, b, checkpoint) on 1 = 6; 12 items for 4 records.
    expect(writeFloorPer1000(records, { batchSize: 2, partitions: 3, byKey: false })).toBe(3000);
  });

  it('places records by customer key where the Java client would, by murmur2', () => {
    // Utils.toPositive(Utils.murmur2(key bytes)) % 3 is 2 for each of these keys (kafka-clients 4.3.1),
    // so a topic keyed by them holds all four on partition 2, wherever the workload put them.
    const records = ['o-0000001', 'o-0000002', 'o-0000003', 'o-0000042'].map((customer, i) => record(i, i % 3, customer));

    // One partition-batch: s1, four customers and the checkpoint = 6 items for 4 records.
    expect(writeFloorPer1000(records, { batchSize: 4, partitions: 3, byKey: true })).toBe(1500);
  });
});
