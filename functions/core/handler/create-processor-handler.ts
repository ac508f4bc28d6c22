import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context } from 'aws-lambda';
import type { DeadLetterWriter } from '../dlq/dead-letter-writer.js';
import type { KafkaBatchResponse } from '../msk/batch-response.js';
import type { KafkaEvent } from '../msk/types.js';
import { createObservability, type Observability } from '../observability/powertools.js';
import type { AvroSchemaDefinition } from '../serde/avro-schema.js';
import { RecordDecoder } from '../serde/record-decoder.js';
import type { SchemaRegistry } from '../serde/schema-registry.js';
import { createAwsAdapters, readProcessorEnvironment } from './aws-clients.js';
import type { PartitionProcessor } from '../processing/partition-contract.js';
import { processKafkaEvent } from './process-kafka-event.js';

export interface ProcessorHandlerProps {
  /** Names the processor in logs, metrics, traces and dead letters. */
  readonly processorName: string;
  /** @default none: Avro records decode with their writer schema */
  readonly readerSchema?: AvroSchemaDefinition;
  /** @default none: decode and dead-letter only */
  readonly processPartition?: PartitionProcessor;
  /** Work done once per invocation after every partition, e.g. closing windows. @default none */
  readonly afterBatch?: () => Promise<void>;
  /** @default the Glue registry named by SCHEMA_REGISTRY_NAME, cached */
  readonly registry?: SchemaRegistry;
  /** @default SQS at DEAD_LETTER_QUEUE_URL, offloading to DEAD_LETTER_BUCKET */
  readonly deadLetters?: DeadLetterWriter;
  /** @default Powertools Logger, Metrics and Tracer named after the processor */
  readonly observability?: Observability;
}

export type ProcessorHandler = middy.MiddyfiedHandler<KafkaEvent, KafkaBatchResponse, Error, Context>;

/**
 * The Lambda handler for a processor: the shared record path wrapped in the
 * Powertools middlewares (structured logs with the Lambda context, EMF
 * metrics flushed per invocation, a traced handler). It holds no logic of
 * its own; adapters are built once per container, outside the handler.
 */
export function createProcessorHandler(props: ProcessorHandlerProps): ProcessorHandler {
  const observability = props.observability ?? createObservability(props.processorName);
  const { logger, metrics, tracer } = observability;
  const { registry, deadLetters } = resolveAdapters(props, observability);
  const decoder = new RecordDecoder({
    registry,
    readerSchema: props.readerSchema,
  });

  return middy<KafkaEvent, KafkaBatchResponse, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(async (event) =>
      processKafkaEvent(event, {
        processorName: props.processorName,
        decoder,
        deadLetters,
        logger,
        metrics,
        processPartition: props.processPartition,
        afterBatch: props.afterBatch,
      }),
    );
}

/** Adapters given in props win; the rest are built from the processor's environment. */
function resolveAdapters(
  props: ProcessorHandlerProps,
  { tracer }: Observability,
): { registry: SchemaRegistry; deadLetters: DeadLetterWriter } {
  if (props.registry !== undefined && props.deadLetters !== undefined) {
    return { registry: props.registry, deadLetters: props.deadLetters };
  }
  const aws = createAwsAdapters(readProcessorEnvironment(), tracer);
  return { registry: props.registry ?? aws.registry, deadLetters: props.deadLetters ?? aws.deadLetters };
}
