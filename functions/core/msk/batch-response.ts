/**
 * Partial batch responses for Kafka event source mappings.
 *
 * With `ReportBatchItemFailures` on, Lambda resumes each reported partition
 * from the reported offset and treats every unreported partition as done.
 * For Kafka the item identifier is an object naming the topic-partition and
 * the offset, as the Lambda developer guide's Kafka error-handling page
 * (kafka-retry-configurations.html) shows and AWS's own runtimes use
 * (Powertools' Kafka batch processor, the Rust runtime's Kafka types), not
 * the string `<topic>-<partition>-<offset>` some middleware documents. An
 * identifier naming a partition or offset that was not in the event fails
 * the whole batch. This file is the only place that knows the shape.
 */

export interface KafkaBatchItemIdentifier {
  /** `<topic>-<partition>` */
  readonly partition: string;
  readonly offset: number;
}

export interface KafkaBatchItemFailure {
  readonly itemIdentifier: KafkaBatchItemIdentifier;
}

export interface KafkaBatchResponse {
  readonly batchItemFailures: KafkaBatchItemFailure[];
}

/** A partition to retry, from `offset` onwards. */
export interface PartitionRetry {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Builds the response from the partitions to retry. A partition named twice
 * is retried from its lowest offset, since Lambda resumes from the smallest
 * reported offset anyway and a higher one would skip records.
 */
export function kafkaBatchResponse(retries: Iterable<PartitionRetry>): KafkaBatchResponse {
  const lowest = new Map<string, number>();
  for (const { topic, partition, offset } of retries) {
    const key = `${topic}-${partition}`;
    const current = lowest.get(key);
    if (current === undefined || offset < current) lowest.set(key, offset);
  }
  return {
    batchItemFailures: [...lowest.entries()].map(([partition, offset]) => ({
      itemIdentifier: { partition, offset },
    })),
  };
}
