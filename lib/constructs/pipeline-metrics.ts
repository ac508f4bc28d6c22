import { Duration, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import type { aws_dynamodb as dynamodb, aws_lambda as lambda, aws_sqs as sqs } from 'aws-cdk-lib';

/**
 * Metric factories, one per service, so the alarms and the dashboard read
 * the same metric the same way. Every metric names its namespace, metric
 * name, dimensions and statistic explicitly (no L2 `metricX()` helpers):
 * what CloudWatch receives is visible here and asserted in the tests.
 */

/** Every service below publishes at one-minute granularity. */
export const ONE_MINUTE = Duration.minutes(1);

export const Namespace = {
  LAMBDA: 'AWS/Lambda',
  KAFKA: 'AWS/Kafka',
  SQS: 'AWS/SQS',
  DYNAMODB: 'AWS/DynamoDB',
  /**
   * The handlers' EMF metrics: METRICS_NAMESPACE of
   * functions/core/observability/powertools.ts, repeated rather than imported
   * so that synth does not load the Powertools runtime (a test keeps them equal).
   */
  PIPELINE: 'realtime-pipeline',
} as const;

/** MSK's consumer-lag dimension names, spaces included, as MSK publishes them. */
export const KafkaDimension = {
  CLUSTER_NAME: 'Cluster Name',
  CONSUMER_GROUP: 'Consumer Group',
  TOPIC: 'Topic',
} as const;

/** The EMF metric names the handlers emit (functions/core/handler/process-kafka-event.ts). */
export const PipelineMetricName = {
  RECORDS_RECEIVED: 'RecordsReceived',
  RECORDS_DECODED: 'RecordsDecoded',
  RECORDS_DEAD_LETTERED: 'RecordsDeadLettered',
  /** Event time to commit, in milliseconds. */
  END_TO_END_LATENCY: 'EndToEndLatency',
} as const;

// No labels here: a labelled metric makes an alarm render as a metric-math
// `Metrics` array instead of plain MetricName/Namespace/Dimensions. The
// dashboard labels its copies with `.with({ label })`.
function metric(namespace: string, metricName: string, dimensionsMap: Record<string, string>, statistic: string, period: Duration = ONE_MINUTE): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace, metricName, dimensionsMap, statistic, period });
}

/**
 * A processor function. `OffsetLag` is one of Lambda's performance metrics
 * for MSK and self-managed Kafka sources, published per function (dimension
 * `FunctionName`) at the topic level. The newer `MaxOffsetLag`/`SumOffsetLag`
 * keyed by `EventSourceMappingUUID` exist only when the mapping opts into the
 * `KafkaMetrics` metrics group, so they are not relied on here.
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 */
export class LambdaMetrics {
  private readonly dimensions: Record<string, string>;

  public constructor(fn: lambda.IFunction) {
    this.dimensions = { FunctionName: fn.functionName };
  }

  public offsetLag(): cloudwatch.Metric {
    return metric(Namespace.LAMBDA, 'OffsetLag', this.dimensions, cloudwatch.Stats.MAXIMUM);
  }

  public errors(): cloudwatch.Metric {
    return metric(Namespace.LAMBDA, 'Errors', this.dimensions, cloudwatch.Stats.SUM);
  }

  public throttles(): cloudwatch.Metric {
    return metric(Namespace.LAMBDA, 'Throttles', this.dimensions, cloudwatch.Stats.SUM);
  }

  /** @param statistic e.g. `p99` */
  public duration(statistic: string): cloudwatch.Metric {
    return metric(Namespace.LAMBDA, 'Duration', this.dimensions, statistic);
  }
}

/**
 * A consumer group's lag on one topic as MSK reports it, at the free DEFAULT
 * monitoring level on provisioned clusters and on every serverless cluster,
 * with the same three dimensions on both. MSK publishes it only while the
 * group is STABLE or EMPTY and has committed offsets.
 * https://docs.aws.amazon.com/msk/latest/developerguide/consumer-lag.html
 * https://docs.aws.amazon.com/msk/latest/developerguide/serverless-monitoring.html
 */
export class MskConsumerLagMetrics {
  private readonly dimensions: Record<string, string>;

  public constructor(clusterName: string, consumerGroup: string, topic: string) {
    this.dimensions = {
      [KafkaDimension.CLUSTER_NAME]: clusterName,
      [KafkaDimension.CONSUMER_GROUP]: consumerGroup,
      [KafkaDimension.TOPIC]: topic,
    };
  }

  /** Seconds the group is behind on the topic's worst partition. */
  public estimatedMaxTimeLag(): cloudwatch.Metric {
    return metric(Namespace.KAFKA, 'EstimatedMaxTimeLag', this.dimensions, cloudwatch.Stats.MAXIMUM);
  }

  /** Records the group is behind on the topic's worst partition. */
  public maxOffsetLag(): cloudwatch.Metric {
    return metric(Namespace.KAFKA, 'MaxOffsetLag', this.dimensions, cloudwatch.Stats.MAXIMUM);
  }
}

/** A dead-letter or on-failure queue. */
export class QueueMetrics {
  private readonly dimensions: Record<string, string>;

  public constructor(queue: sqs.IQueue) {
    this.dimensions = { QueueName: queue.queueName };
  }

  public visibleMessages(): cloudwatch.Metric {
    return metric(Namespace.SQS, 'ApproximateNumberOfMessagesVisible', this.dimensions, cloudwatch.Stats.MAXIMUM);
  }

  /**
   * Messages written to the queue per `period`. The handler's dead-letter
   * writer and the mapping's on-failure destination both call SendMessage,
   * so every letter counts here.
   */
  public messagesSent(period: Duration): cloudwatch.Metric {
    return metric(Namespace.SQS, 'NumberOfMessagesSent', this.dimensions, cloudwatch.Stats.SUM, period);
  }
}

/**
 * A processor's state table. On-demand tables publish `ReadThrottleEvents`
 * and `WriteThrottleEvents` per `TableName` (key-range and account-limit
 * throttling happen in on-demand mode too); `ThrottledRequests` would need
 * one metric per `Operation` dimension value.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TroubleshootingThrottling-cloudwatch.html
 */
export class TableMetrics {
  private readonly dimensions: Record<string, string>;

  public constructor(table: dynamodb.ITable) {
    this.dimensions = { TableName: table.tableName };
  }

  public readThrottleEvents(): cloudwatch.Metric {
    return metric(Namespace.DYNAMODB, 'ReadThrottleEvents', this.dimensions, cloudwatch.Stats.SUM);
  }

  public writeThrottleEvents(): cloudwatch.Metric {
    return metric(Namespace.DYNAMODB, 'WriteThrottleEvents', this.dimensions, cloudwatch.Stats.SUM);
  }

  public consumedWriteCapacity(): cloudwatch.Metric {
    return metric(Namespace.DYNAMODB, 'ConsumedWriteCapacityUnits', this.dimensions, cloudwatch.Stats.SUM);
  }
}

/**
 * A processor's own EMF metrics. Powertools publishes them under the
 * processor's service name as its default `service` dimension.
 */
export class ProcessorMetrics {
  private readonly dimensions: Record<string, string>;

  public constructor(processorName: string, private readonly namespace: string = Namespace.PIPELINE) {
    this.dimensions = { service: processorName };
  }

  public records(metricName: (typeof PipelineMetricName)[Exclude<keyof typeof PipelineMetricName, 'END_TO_END_LATENCY'>]): cloudwatch.Metric {
    return metric(this.namespace, metricName, this.dimensions, cloudwatch.Stats.SUM);
  }

  /** @param statistic e.g. `p50`, `p99` */
  public endToEndLatency(statistic: string): cloudwatch.Metric {
    return metric(this.namespace, PipelineMetricName.END_TO_END_LATENCY, this.dimensions, statistic);
  }
}
