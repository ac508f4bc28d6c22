import { createHash } from 'node:crypto';
import type { OrderEventEnvelope } from '../functions/order-analytics/definition.js';

/**
 * The fewest items the offset-fenced engine can write for order-analytics:
 * one per distinct key each view touches in a partition's batch (a store,
 * a customer), plus the partition's checkpoint. Real runs write more (a
 * batch that touches more keys than a transaction holds is split, window
 * closing writes final items), so this is a floor: it shows what the key
 * cardinality per batch allows, under other batch sizes and partitionings
 * than the bench's, without running them.
 */

export interface FloorRecord {
  /** Position in the topic across partitions, i.e. production order. */
  readonly sequence: number;
  readonly partition: number;
  readonly order: OrderEventEnvelope;
}

export interface FloorOptions {
  readonly batchSize: number;
  readonly partitions: number;
  /**
   * Place records by a hash of the customer id (the record key), as Kafka's
   * default partitioner does, instead of where the workload put them.
   */
  readonly byKey: boolean;
}

function keyPartition(customerId: string, partitions: number): number {
  return createHash('md5').update(customerId).digest().readUInt32BE(0) % partitions;
}

/** Items per 1,000 records at the floor, for records cut into batches of `batchSize` in production order. */
export function writeFloorPer1000(records: readonly FloorRecord[], options: FloorOptions): number {
  const ordered = [...records].sort((a, b) => a.sequence - b.sequence);
  let items = 0;
  for (let from = 0; from < ordered.length; from += options.batchSize) {
    const keys = new Map<number, Set<string>>();
    for (const { partition, order } of ordered.slice(from, from + options.batchSize)) {
      const p = options.byKey ? keyPartition(order.payload.customer_id, options.partitions) : partition;
      const touched = keys.get(p) ?? new Set<string>();
      touched.add(`store:${order.payload.store_id}`).add(`customer:${order.payload.customer_id}`);
      keys.set(p, touched);
    }
    for (const touched of keys.values()) items += touched.size + 1;
  }
  return ordered.length === 0 ? 0 : (items * 1000) / ordered.length;
}
