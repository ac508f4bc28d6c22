import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EngineProcessorDeps } from '../engine/engine-processor.js';
import { createEngineProcessor } from '../engine/engine-processor.js';
import type { ProcessorDefinition } from '../engine/definition.js';
import { createObservability } from '../observability/powertools.js';
import { createEngineAdapters, readEngineEnvironment } from './aws-clients.js';
import { ProcessorConfigurationError } from './errors.js';
import { createProcessorHandler, type ProcessorHandler, type ProcessorHandlerProps } from './create-processor-handler.js';

export interface EngineHandlerProps extends Partial<Omit<ProcessorHandlerProps, 'processorName' | 'readerSchema' | 'processPartition' | 'afterBatch'>> {
  /** @default the DynamoDB table named by STATE_TABLE_NAME, and the FIFO queue at EMIT_QUEUE_URL when set */
  readonly engine?: EngineProcessorDeps;
}

/**
 * The Lambda handler of a processor definition: the shared record path with
 * the exactly-once engine as its partition processor and window closing
 * after each batch. Everything it needs comes from the definition and the
 * environment, so a processor's handler file is one line.
 */
export function createEngineHandler(definition: ProcessorDefinition, props: EngineHandlerProps = {}): ProcessorHandler {
  const observability = props.observability ?? createObservability(definition.name);
  const engineDeps: EngineProcessorDeps = props.engine ?? createEngineAdapters(readEngineEnvironment(), observability.tracer);
  const { logger, metrics } = observability;
  const engine = createEngineProcessor(definition, {
    ...engineDeps,
    onPartition: (result) => {
      engineDeps.onPartition?.(result);
      const { stats } = result;
      logger.info('Partition processed', { stats });
      if (result.error !== undefined) logger.warn('Partition gave up; it will be redelivered', { error: result.error, offset: result.retryFromOffset });
    },
    onClose: (result) => {
      engineDeps.onClose?.(result);
      if (result.windowsClosed > 0) metrics.addMetric('WindowsClosed', MetricUnit.Count, result.windowsClosed);
    },
  });
  return createProcessorHandler({
    ...props,
    processorName: definition.name,
    observability,
    readerSchema: definition.input.readerSchema,
    processPartition: engine.processPartition,
    afterBatch: engine.afterBatch,
  });
}

/** The input topic's partition count, from INPUT_PARTITIONS, which the deployment sets from the topic's configuration. */
export function inputPartitions(env: NodeJS.ProcessEnv = process.env): number {
  const { INPUT_PARTITIONS } = readEngineEnvironment(env);
  if (INPUT_PARTITIONS === undefined) {
    throw new ProcessorConfigurationError('Processor environment is invalid: INPUT_PARTITIONS must be the input topic\'s partition count');
  }
  return INPUT_PARTITIONS;
}
