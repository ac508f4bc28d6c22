import type { OrderEventEnvelope } from '../functions/order-analytics/definition.js';
import { keyPartition } from '../scripts/local/pipeline/planned-lateness.js';

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
  /**
   * Position in the topic across partitions, i.e. production order. Not the
   * event time: producers send records out of event-time order, and batches
   * cut in event-time order are not the batches a mapping delivers.
   */
  readonly sequence: number;
  readonly partition: number;
  readonly order: OrderEventEnvelope;
}

export interface FloorOptions {
  readonly batchSize: number;
  readonly partitions: number;
  /**
   * Place records as a topic keyed by customer id would, on the partition
   * Kafka's default partitioner picks for that key (murmur2, as the Java
   * client and kafkajs's default partitioner do), instead of where the
   * workload put them.
   */
  readonly byKey: boolean;
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
