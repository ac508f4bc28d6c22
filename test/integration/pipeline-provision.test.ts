// Provisions the retail pipeline on a whole local stack of its own, twice,
// then checks both connectors end to end: a stock movement arrives on
// `stock-movements` as a Debezium change `fromDebezium` reads, and an order's
// outbox payload arrives on `orders` byte for byte, keyed by the order id.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDebezium } from '../../functions/core/cdc/debezium.js';
import { ChangeOperation, PositionKind } from '../../functions/core/cdc/change-event.js';
import { parseAvroSchema } from '../../functions/core/serde/avro-schema.js';
import { writeGlueFrame } from '../../functions/core/serde/glue-wire-format.js';
import type * as KafkaModule from '../../scripts/devstack/kafka.js';
import type { TopicRecord } from '../../scripts/devstack/kafka.js';
import type { ProvisionedPipeline } from '../../scripts/reference/provision.js';
import { RETAIL_DATABASE } from '../../scripts/reference/retail-database.js';
import type * as ProcessesModule from '../../scripts/devstack/processes.js';
import type * as RepositoryModule from '../../scripts/reference/retail-repository.js';
import type { RunningStack } from '../../scripts/devstack/stack.js';
import { orderEvent, subjectVersion } from '../helpers/orders.js';
import { removeStackState } from '../helpers/stack-state.js';

// Set before any scripts/devstack module is imported: paths.ts reads it at import.
const STATE_DIR = join(process.cwd(), '.rtp', `test-provision-${process.pid}`);
process.env.RTP_STATE_DIR = STATE_DIR;

interface Local {
  readonly kafka: typeof KafkaModule;
  readonly processes: typeof ProcessesModule;
  readonly repository: typeof RepositoryModule;
}

let local: Local;
let stack: RunningStack | undefined;
let first: ProvisionedPipeline;
let second: ProvisionedPipeline;
const timings: Record<string, number> = {};
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

beforeAll(async () => {
  const { startStack } = await import('../../scripts/devstack/stack.js');
  const { provisionPipeline } = await import('../../scripts/reference/provision.js');
  local = {
    kafka: await import('../../scripts/devstack/kafka.js'),
    processes: await import('../../scripts/devstack/processes.js'),
    repository: await import('../../scripts/reference/retail-repository.js'),
  };
  const { freeStackPorts } = await import('../../scripts/devstack/free-port-start.js');
  const ports = await freeStackPorts();
  let started = Date.now();
  stack = await startStack({ fresh: true, database: RETAIL_DATABASE, ports, onProgress: progress });
  timings.stack = Date.now() - started;
  started = Date.now();
  first = await provisionPipeline(stack.endpoints, { onProgress: progress });
  timings.provision = Date.now() - started;
  started = Date.now();
  second = await provisionPipeline(stack.endpoints, { onProgress: progress });
  timings.reprovision = Date.now() - started;
}, 600_000);

afterAll(async () => {
  progress(`pipeline-provision timings (ms): ${JSON.stringify(timings)}`);
  await stack?.stop();
  await removeStackState(STATE_DIR);
}, 180_000);

/** Reads `topic` again and again until a record satisfies `match`. */
async function awaitRecord(topic: string, match: (record: TopicRecord) => boolean): Promise<TopicRecord> {
  const bootstrap = stack?.endpoints.kafka.bootstrapServers ?? '';
  let found: TopicRecord | undefined;
  await local.processes.waitUntil(
    async () => {
      found = (await local.kafka.readTopic(bootstrap, topic, { timeoutMs: 10_000 })).find(match);
      return found !== undefined;
    },
    { what: `a matching record on ${topic}`, timeoutMs: 60_000, pollMs: 500 },
  );
  if (found === undefined) throw new Error(`no matching record on ${topic}`);
  return found;
}

const record = (r: TopicRecord): string => r.value?.toString('utf8') ?? 'null';

describe('provisionPipeline', () => {
  it('provisions everything the processors need, and the same again on a second run', () => {
    expect(first.topics).toEqual({ 'stock-movements': { partitions: 3 }, orders: { partitions: 3 } });
    expect(first.registryName).toBe('realtime-pipeline-local');
    expect([...(first.schemaVersionIds.get('orders')?.keys() ?? [])]).toEqual([1, 2, 3]);
    expect([...(first.schemaVersionIds.get('stock-movements')?.keys() ?? [])]).toEqual([1]);
    expect(first.processors['order-analytics']).toMatchObject({ inputTopic: 'orders', partitions: 3, stateTable: 'order-analytics' });
    expect(first.processors['inventory-projector']).toMatchObject({ inputTopic: 'stock-movements', partitions: 3, stateTable: 'inventory-projector' });
    expect(first.processors['order-analytics'].deadLetterQueueUrl).toMatch(/\/order-analytics-dlq$/);
    expect(first.processors['order-analytics'].onFailureQueueUrl).toMatch(/\/order-analytics-on-failure$/);
    expect(first.alertsQueueUrl).toMatch(/\/order-analytics-alerts\.fifo$/);
    expect(second).toEqual(first);
  });

  it('streams a stock movement to stock-movements as a Debezium change with its LSN', async () => {
    const db = new pg.Client({ connectionString: stack?.endpoints.postgres.connectionString });
    await db.connect();
    try {
      const started = Date.now();
      const { movementId } = await local.repository.insertStockMovement(db, {
        sku: 'SKU-PROV-1',
        locationId: 'store-7',
        quantityDelta: 5,
        movementType: 'RECEIPT',
        channel: 'pos',
        occurredAt: new Date('2026-01-01T10:00:00.123Z'),
      });
      const record = await awaitRecord('stock-movements', (r) => (JSON.parse(r.key?.toString('utf8') ?? 'null') as { movement_id?: number } | null)?.movement_id === movementId);
      timings.stockMovementEndToEnd = Date.now() - started;

      const value: unknown = JSON.parse(record.value?.toString('utf8') ?? 'null');
      const change = fromDebezium(value, { keyColumns: ['movement_id'] });
      expect(change).toMatchObject({ op: ChangeOperation.UPSERT, key: JSON.stringify([String(movementId)]), positionKind: PositionKind.POSTGRES_LSN, table: 'public.stock_movements' });
      expect(change?.position).toBeGreaterThan(0n);
      // timestamptz is Debezium's ZonedTimestamp, an ISO string, whatever time.precision.mode says (see connectors.ts).
      expect(change?.row).toMatchObject({ movement_id: movementId, sku: 'SKU-PROV-1', location_id: 'store-7', quantity_delta: 5, occurred_at: '2026-01-01T10:00:00.123000Z' });
    } finally {
      await db.end();
    }
  });

  it('streams an order outbox payload to orders unchanged, keyed by the order id', async () => {
    const schemaVersionId = first.schemaVersionIds.get('orders')?.get(3);
    if (schemaVersionId === undefined) throw new Error('orders v3 was not registered');
    const event = orderEvent(3, { eventId: 'evt-provision-1' });
    const payload = writeGlueFrame(schemaVersionId, parseAvroSchema(subjectVersion('orders', 3)).toBuffer(event));
    const orderId = 'o-provision-1';
    const db = new pg.Client({ connectionString: stack?.endpoints.postgres.connectionString });
    await db.connect();
    try {
      const started = Date.now();
      await local.repository.placeOrder(
        db,
        {
          orderId,
          customerId: 'c-42',
          storeId: 'store-7',
          channel: 'web',
          currency: 'EUR',
          total: '59.97',
          createdAt: new Date('2026-01-01T10:00:00.000Z'),
          lines: [{ sku: 'SKU-1', quantity: 3, unitPrice: '19.99' }],
        },
        payload,
      );
      const record = await awaitRecord('orders', (r) => r.key?.toString('utf8') === orderId);
      timings.orderEndToEnd = Date.now() - started;

      expect(Buffer.compare(record.value ?? Buffer.alloc(0), payload)).toBe(0);
      expect(record.headers.eventType?.toString()).toBe('ORDER_PLACED');
      expect(record.headers.id).toBeDefined();
    } finally {
      await db.end();
    }
  });

  it('writes the outbox connector\'s heartbeats through the delegate JSON converter', async () => {
    // BinaryDataConverter refuses non-bytes records unless its delegate is configured; a heartbeat is such a record.
    const heartbeat = await awaitRecord('__debezium-heartbeat.rtp-orders-outbox', (r) => r.value !== null);
    expect(JSON.parse(record(heartbeat))).toEqual({ ts_ms: expect.any(Number) as number });
  });
});
