import { Duration, Stack, aws_dynamodb as dynamodb, aws_lambda as lambda, aws_sqs as sqs, type App } from 'aws-cdk-lib';
import type { MonitoredProcessor } from '../../../lib/constructs/monitored-processor.js';

/** What a fixture processor is made of; physical names are fixed so tests can assert dimensions. */
export interface FixtureProcessorSpec {
  readonly processorName: string;
  readonly topics: readonly string[];
  /** @default 60 */
  readonly timeoutSeconds?: number;
}

export const FIXTURE_PROCESSORS: readonly FixtureProcessorSpec[] = [
  { processorName: 'order-analytics', topics: ['retail.orders'], timeoutSeconds: 60 },
  { processorName: 'inventory-projector', topics: ['retail.stock-movements', 'retail.corrections'], timeoutSeconds: 120 },
];

export const fixtureNames = (processorName: string) =>
  ({
    functionName: `rtp-test-${processorName}`,
    tableName: `rtp-test-${processorName}-state`,
    deadLetterQueueName: `rtp-test-${processorName}-dlq`,
    onFailureQueueName: `rtp-test-${processorName}-on-failure`,
    consumerGroupId: `realtime-pipeline-test-${processorName}`,
    eventSourceMappingId: `00000000-0000-0000-0000-${processorName.length.toString().padStart(12, '0')}`,
  }) as const;

/**
 * MonitoredProcessor fixtures built from plain L2 resources in a scratch
 * stack of `app`, standing in for the processing stack.
 */
export function buildMonitoredProcessors(app: App, specs: readonly FixtureProcessorSpec[] = FIXTURE_PROCESSORS): MonitoredProcessor[] {
  const stack = new Stack(app, 'scratch-processing');
  return specs.map((spec) => {
    const names = fixtureNames(spec.processorName);
    const timeout = Duration.seconds(spec.timeoutSeconds ?? 60);
    const fn = new lambda.Function(stack, `${spec.processorName}-fn`, {
      functionName: names.functionName,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      timeout,
    });
    const table = new dynamodb.Table(stack, `${spec.processorName}-table`, {
      tableName: names.tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    });
    const deadLetterQueue = new sqs.Queue(stack, `${spec.processorName}-dlq`, { queueName: names.deadLetterQueueName });
    const onFailureQueue = new sqs.Queue(stack, `${spec.processorName}-on-failure`, { queueName: names.onFailureQueueName });
    return {
      processorName: spec.processorName,
      function: fn,
      timeout,
      inputs: spec.topics.map((topic, i) => ({
        topic,
        consumerGroupId: spec.topics.length === 1 ? names.consumerGroupId : `${names.consumerGroupId}.${topic}`,
        eventSourceMappingId: `${names.eventSourceMappingId.slice(0, -1)}${i}`,
      })),
      table,
      deadLetterQueue,
      onFailureQueue,
    };
  });
}
