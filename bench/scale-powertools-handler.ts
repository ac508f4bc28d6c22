/**
 * The scale bench's "powertools" design: order-analytics as a Powertools
 * user would write it without our engine, run as a real processor process
 * behind the same local mapping (run-processor.ts with RTP_HANDLER_MODULE
 * pointing here): the per-record handler of powertools-design.ts, made
 * idempotent on the event id, as bench/dynamodb-writes.ts runs it in
 * process; records of a partition in offset order, partitions side by side.
 *
 * Decoding, dead-lettering and the batch response are the kit's shared
 * record path (createProcessorHandler), the same as the engine's handler:
 * Powertools' Kafka consumer cannot read the Glue frame, and the design
 * compared here is the exactly-once state, not the decoder.
 *
 * Environment: what createProcessorHandler reads (SCHEMA_REGISTRY_NAME,
 * DEAD_LETTER_QUEUE_URL, ...), STATE_TABLE_NAME (key `pk`) and
 * IDEMPOTENCY_TABLE_NAME (key `id`, TTL on `expiration`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { createProcessorHandler } from '../functions/core/handler/create-processor-handler.js';
import type { KafkaEvent } from '../functions/core/msk/types.js';
import { createObservability } from '../functions/core/observability/powertools.js';
import { subjectSchema } from '../functions/core/serde/subject-schema.js';
import type { OrderEventEnvelope } from '../functions/order-analytics/definition.js';
import { powertoolsOrderProcessor } from './powertools-design.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Processor environment is invalid: ${name} must be set`);
  return value;
}

const stateTable = required('STATE_TABLE_NAME');
const { config, processOrder } = powertoolsOrderProcessor(new DynamoDBClient({}), { stateTable, idempotencyTable: required('IDEMPOTENCY_TABLE_NAME') });
const observability = createObservability('order-analytics-powertools');
const { logger } = observability;

const inner = createProcessorHandler({
  processorName: 'order-analytics-powertools',
  readerSchema: subjectSchema('orders'),
  observability,
  processPartition: async (input) => {
    let applied = 0;
    for (const record of input.records) {
      try {
        await processOrder(record.value as OrderEventEnvelope);
        applied += 1;
      } catch (error) {
        // What a user's handler does with a failed record: report the partition from it, so the mapping sends the rest again.
        const stats = { received: input.records.length, applied, uncommitted: input.records.length - applied };
        logger.info('Partition processed', { stats });
        logger.warn('Partition gave up; it will be redelivered', { error: error as Error, offset: record.offset });
        return { retryFromOffset: record.offset };
      }
    }
    logger.info('Partition processed', { stats: { received: input.records.length, applied, uncommitted: 0 } });
    return undefined;
  },
});

export const handler = async (event: KafkaEvent, context: Context): Promise<unknown> => {
  // So records in progress expire with the invocation, as Powertools' documentation asks for makeIdempotent outside a handler.
  config.registerLambdaContext(context);
  return inner(event, context);
};
