/** Why the topics of the config cannot be applied to the cluster as it is. */
export const TopicPlanErrorReason = {
  /** Kafka cannot take partitions away from a topic; keyed records would also move partition. */
  PARTITIONS_SHRINK: 'PARTITIONS_SHRINK',
  /** Changing replicas means a partition reassignment, which this resource does not run. */
  REPLICATION_FACTOR_CHANGE: 'REPLICATION_FACTOR_CHANGE',
  /** The cluster fixes this config once the topic exists (MSK Serverless: cleanup.policy). */
  CONFIG_NOT_ALTERABLE: 'CONFIG_NOT_ALTERABLE',
} as const;
export type TopicPlanErrorReason = (typeof TopicPlanErrorReason)[keyof typeof TopicPlanErrorReason];

/**
 * A change the config asks for that the cluster cannot make in place. It is
 * raised while planning, before any action runs, so the deploy fails with
 * the cluster unchanged.
 */
export class TopicPlanError extends Error {
  public override readonly name = 'TopicPlanError';
  public constructor(
    message: string,
    public readonly reason: TopicPlanErrorReason,
    public readonly topic: string,
    public readonly current: string | number,
    public readonly requested: string | number,
  ) {
    super(message);
  }
}

/** The custom resource's properties are not what the KafkaTopics construct writes. */
export class TopicsSpecError extends Error {
  public override readonly name = 'TopicsSpecError';
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
