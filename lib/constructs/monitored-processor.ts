import type { Duration, aws_dynamodb as dynamodb, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';

/** One event source mapping of a processor. */
export interface MonitoredInput {
  readonly topic: string;
  /** The mapping's consumer group, the dimension of MSK's consumer-lag metrics. */
  readonly consumerGroupId: string;
  /** The mapping's UUID. */
  readonly eventSourceMappingId: string;
}

/** What the alarms and the dashboard watch of one deployed processor. */
export interface MonitoredProcessor {
  /** The processor's name (its folder under functions/), also its Powertools service name. */
  readonly processorName: string;
  readonly function: lambda.IFunction;
  /** The function's timeout, for the duration-near-timeout alarm. */
  readonly timeout: Duration;
  /** One per input topic: a Kafka mapping reads one topic, as a consumer group of its own. */
  readonly inputs: readonly MonitoredInput[];
  readonly table: dynamodb.ITable;
  /** Poison records, dead-lettered by the handler with their payload. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Batches the mapping gave up on after its retries (the on-failure destination). */
  readonly onFailureQueue: sqs.IQueue;
}
