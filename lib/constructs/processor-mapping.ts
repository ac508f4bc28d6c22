import { Duration, aws_lambda as lambda, aws_sqs as sqs, type aws_iam as iam } from 'aws-cdk-lib';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import type { KafkaClusterAccess } from './kafka-cluster-access.js';

/** The settings of one processor, `config.processors[<name>]`. */
export type ProcessorSettings = EnvironmentConfig['processors'][string];

/** One mapping per input topic: a Kafka event source mapping reads exactly one topic. */
export interface ProcessorEventSource {
  readonly topic: string;
  readonly consumerGroupId: string;
  readonly mapping: lambda.EventSourceMapping;
}

export interface ProcessorMappingProps {
  /** The processor's function; its role is the mapping's role too. */
  readonly function: lambda.IFunction;
  /** The function's role: the mapping checks it when it is created, so it waits for the role and its policy. */
  readonly role: iam.IRole;
  readonly kafka: KafkaClusterAccess;
  readonly topic: string;
  /** Stable on purpose: a new group id starts over from `settings.startingPosition`. */
  readonly consumerGroupId: string;
  readonly settings: ProcessorSettings;
  /** Where batches the mapping gives up on after its retries go; see `onFailureQueueDestination`. */
  readonly onFailure: lambda.IEventSourceDlq;
  /** The Glue registry the mapping validates values with when `settings.schemaRegistryIntegration` is on. */
  readonly registryArn: string;
}

/**
 * The MSK event source mapping of one input topic of a processor, with every
 * option of its settings, and the grants it needs on the cluster. The
 * mapping is `Mapping-<topic>` of `scope`, as it has been since the first
 * deploy: a new logical id would replace the mapping, and the replacement
 * would be created while the old one still holds the consumer group.
 *
 * It is a `lambda.EventSourceMapping` rather than an
 * `aws_lambda_event_sources.ManagedKafkaEventSource`: that one attaches the
 * AWS managed policy AWSLambdaMSKExecutionRole (kafka, EC2 and logs actions
 * on `*`) to the function's role, adds kafka:ListScramSecrets and places the
 * mapping under the function with an id of its own.
 */
export function addProcessorMapping(scope: Construct, props: ProcessorMappingProps): lambda.EventSourceMapping {
  const { settings, kafka, topic, consumerGroupId } = props;
  kafka.grantEventSourceMapping(props.role, [topic], consumerGroupId);
  const mapping = new lambda.EventSourceMapping(scope, `Mapping-${topic}`, {
    target: props.function,
    eventSourceArn: kafka.clusterArn,
    kafkaTopic: topic,
    kafkaConsumerGroupId: consumerGroupId,
    startingPosition: lambda.StartingPosition[settings.startingPosition],
    startingPositionTimestamp: settings.startingPositionTimestamp,
    batchSize: settings.batchSize,
    maxBatchingWindow: Duration.seconds(settings.maxBatchingWindowSeconds),
    retryAttempts: settings.retryAttempts,
    // -1 / false are the service defaults; leaving them out keeps on-demand mappings valid.
    ...(settings.maxRecordAgeSeconds === -1 ? {} : { maxRecordAge: Duration.seconds(settings.maxRecordAgeSeconds) }),
    ...(settings.bisectBatchOnError ? { bisectBatchOnError: true } : {}),
    // The handlers answer with partial batch responses (functions/core/msk/batch-response.ts).
    reportBatchItemFailures: true,
    onFailure: props.onFailure,
    ...(settings.provisionedPollers === undefined
      ? {}
      : { provisionedPollerConfig: { minimumPollers: settings.provisionedPollers.minimum, maximumPollers: settings.provisionedPollers.maximum } }),
    ...(settings.schemaRegistryIntegration ? { schemaRegistryConfig: glueSourceFormat(props.registryArn) } : {}),
    metricsConfig: { metrics: [lambda.MetricType.EVENT_COUNT] },
  });
  // The mapping checks its role and its topic when it is created.
  mapping.node.addDependency(props.role);
  mapping.node.addDependency(kafka.topicsReady);
  return mapping;
}

/**
 * The on-failure destination of a processor's mappings: CDK's SqsDlq, which
 * grants the function's role sqs:SendMessage, GetQueueAttributes and
 * GetQueueUrl on the queue as it binds. It is handed the queue by ARN alone,
 * without its key: handed the queue itself, Queue.grantSendMessages would
 * also grant kms:ReEncrypt* and kms:GenerateDataKey* on the processor's key,
 * wildcard actions the role does without (it uses the key with the exact
 * actions of grantKeyUse, which the mapping needs to send to the encrypted
 * queue). One per processor: `scope` gets the child `OnFailureDestination`.
 */
export function onFailureQueueDestination(scope: Construct, queue: sqs.IQueue): lambda.IEventSourceDlq {
  return new SqsDlq(sqs.Queue.fromQueueArn(scope, 'OnFailureDestination', queue.queueArn));
}

/**
 * The mapping validates values with the Glue registry and hands over the
 * source bytes with schema metadata.
 *
 * Written out rather than CDK's aws_lambda_event_sources.GlueSchemaRegistry,
 * which renders the same SchemaRegistryConfig but cannot take this
 * registry: given `schemaRegistryArn`, it matches the ARN against
 * /^arn:[^:]+:glue:[^:]+:[^:]+:registry\/([^/]+)$/ at bind and throws on
 * anything else, which the app's ARN is (a reference to the schemas stack's
 * registry, an Fn::ImportValue token); its other form takes the registry's
 * glue.CfnRegistry, which the processing stack is not given. It would also
 * add glue:GetRegistry and glue:GetSchemaVersion statements on the registry
 * and its schemas that grantSchemaRegistry already makes (with
 * GetSchemaVersion on `*`, which lookups by version id need).
 */
function glueSourceFormat(registryArn: string): lambda.ISchemaRegistry {
  return {
    bind: () => ({
      schemaRegistryUri: registryArn,
      eventRecordFormat: lambda.EventRecordFormat.SOURCE,
      schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
    }),
  };
}
