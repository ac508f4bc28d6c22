/**
 * The scale bench's "powertools" design: order-analytics as a Powertools
 * user would write it without our engine, run as a real processor process
 * behind the same local mapping (run-processor.ts with RTP_HANDLER_MODULE
 * pointing here). makeIdempotent, keyed on the event id, wraps a
 * per-record handler that ADDs the order to its store-minute item and its
 * customer-minute item, as bench/dynamodb-writes.ts's in-process version
 * does; records of a partition in offset order, partitions side by side.
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
import { DynamoDBClient, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { createProcessorHandler } from '../functions/core/handler/create-processor-handler.js';
import type { KafkaEvent } from '../functions/core/msk/types.js';
import { createObservability } from '../functions/core/observability/powertools.js';
import { subjectSchema } from '../functions/core/serde/subject-schema.js';
import { ORDER_PLACED, toCents, type OrderEventEnvelope } from '../functions/order-analytics/definition.js';

const MINUTE = 60_000;

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Processor environment is invalid: ${name} must be set`);
  return value;
}

const stateTable = required('STATE_TABLE_NAME');
const client = new DynamoDBClient({});
const config = new IdempotencyConfig({ eventKeyJmesPath: 'event_id' });
const persistenceStore = new DynamoDBPersistenceLayer({ tableName: required('IDEMPOTENCY_TABLE_NAME'), awsSdkV3Client: client });
const observability = createObservability('order-analytics-powertools');
const { logger } = observability;

const add = (pk: string, expression: string, values: Record<string, AttributeValue>): Promise<unknown> =>
  client.send(new UpdateItemCommand({ TableName: stateTable, Key: { pk: { S: pk } }, UpdateExpression: expression, ExpressionAttributeValues: values }));

const processOrder = makeIdempotent(
  async (order: OrderEventEnvelope): Promise<void> => {
    if (order.event_type !== ORDER_PLACED) return;
    const minute = Math.floor(order.occurred_at.getTime() / MINUTE) * MINUTE;
    const cents = { N: String(toCents(order.payload.total)) };
    await add(`STORE#${order.payload.store_id}#${minute}`, 'ADD orders :one, revenueCents :cents', { ':one': { N: '1' }, ':cents': cents });
    await add(`CUSTOMER#${order.payload.customer_id}#${minute}`, 'ADD orders :one, totalCents :cents, promoOrders :promo, stores :store', {
      ':one': { N: '1' },
      ':cents': cents,
      ':promo': { N: order.payload.promo_code === null ? '0' : '1' },
      ':store': { SS: [order.payload.store_id] },
    });
  },
  { persistenceStore, config },
);

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
