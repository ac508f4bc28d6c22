/**
 * The "powertools" design the benches set against the engine: order-analytics
 * as a Powertools user would write it without our engine. makeIdempotent,
 * keyed on the event id, wraps a per-record handler that ADDs the order to
 * its store-minute item and to its customer-minute item (the 5-minute risk
 * score is then the sum of five customer-minutes on read). dynamodb-writes.ts
 * runs it in process; scale-powertools-handler.ts runs it as a processor
 * process behind the local mapping.
 */
import { CreateTableCommand, ScanCommand, UpdateItemCommand, UpdateTimeToLiveCommand, waitUntilTableExists, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ORDER_PLACED, toCents, type OrderEventEnvelope, type StoreRevenue } from '../functions/order-analytics/definition.js';

const MINUTE = 60_000;

/** The design's two tables: its state, keyed by `pk`, and Powertools' idempotency records. */
export interface PowertoolsTables {
  readonly stateTable: string;
  readonly idempotencyTable: string;
}

/** The design's per-record handler, idempotent on the event id; the caller registers the Lambda context on `config`, so in-progress records expire with the invocation. */
export interface PowertoolsOrderProcessor {
  readonly config: IdempotencyConfig;
  readonly processOrder: (order: OrderEventEnvelope) => Promise<void>;
}

export function powertoolsOrderProcessor(client: DynamoDBClient, tables: PowertoolsTables): PowertoolsOrderProcessor {
  const config = new IdempotencyConfig({ eventKeyJmesPath: 'event_id' });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName: tables.idempotencyTable, awsSdkV3Client: client });
  const add = (pk: string, expression: string, values: Record<string, AttributeValue>): Promise<unknown> =>
    client.send(new UpdateItemCommand({ TableName: tables.stateTable, Key: { pk: { S: pk } }, UpdateExpression: expression, ExpressionAttributeValues: values }));
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
  return { config, processOrder };
}

/** The design's tables, created fresh: the idempotency table as Powertools documents it (partition key `id`, TTL on `expiration`), then the state table. */
export async function createPowertoolsTables(client: DynamoDBClient, tables: PowertoolsTables): Promise<void> {
  await createKeyTable(client, tables.idempotencyTable, 'id', 'expiration');
  await createKeyTable(client, tables.stateTable, 'pk');
}

async function createKeyTable(client: DynamoDBClient, tableName: string, key: string, ttlAttribute?: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  if (ttlAttribute !== undefined) {
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }));
  }
}

/** Orders and cents per `store@minuteStart` (the key storeRevenueWindows gives a store's minute), read back from the design's STORE#<store>#<minute> items. */
export async function powertoolsStoreRevenue(client: DynamoDBClient, stateTable: string): Promise<Map<string, StoreRevenue>> {
  const revenue = new Map<string, StoreRevenue>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: stateTable, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const match = /^STORE#(.+)#(\d+)$/.exec(item.pk?.S ?? '');
      if (match !== null) revenue.set(`${match[1]}@${Number(match[2])}`, { orders: Number(item.orders?.N), revenueCents: Number(item.revenueCents?.N) });
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return revenue;
}
