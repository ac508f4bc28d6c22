/**
 * The names a deployed processor's resources get, in one place: the CDK
 * constructs create them (lib/constructs/stream-processor.ts and
 * processor-queues.ts, checked against this by the infra tests) and the
 * `rtp` operations commands find them by it.
 */

/** One input of a processor: a topic read by the mapping's own consumer group. */
export interface ProcessorInput {
  readonly topic: string;
  readonly consumerGroupId: string;
}

export interface ProcessorResources {
  readonly processor: string;
  readonly inputs: readonly ProcessorInput[];
  readonly stateTableName: string;
  /** Poison records, written by the handler with their payload. */
  readonly deadLetterQueueName: string;
  /** Batches the mapping gave up on (metadata only). */
  readonly onFailureQueueName: string;
}

/** The names `cdk deploy -c env=<env>` gives a processor reading `topics`. */
export function deployedProcessorResources(env: string, processor: string, topics: readonly string[]): ProcessorResources {
  const base = `realtime-pipeline-${env}-${processor}`;
  return {
    processor,
    // A consumer group id must be unique among Kafka mappings, so a second topic gets its own.
    inputs: topics.map((topic) => ({ topic, consumerGroupId: topics.length === 1 ? base : `${base}.${topic}` })),
    stateTableName: `${base}-state`,
    deadLetterQueueName: `${env}-${processor}-dead-letters`,
    onFailureQueueName: `${env}-${processor}-on-failure`,
  };
}
