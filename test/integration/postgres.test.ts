// The CDC source of the retail pipeline (ARCHITECTURE.md §7), proved against
// the embedded Postgres the local stack runs: logical decoding with pgoutput,
// the demo schema, the outbox write, the reconciliation's queries, and a
// server that keeps its data across restarts and leaves no process behind.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RTP } from '../../scripts/devstack/paths.js';
import { migrate } from '../../scripts/devstack/postgres-migrations.js';
import { removePostgresData, startPostgres } from '../../scripts/devstack/postgres.js';
import type { LocalPostgres } from '../../scripts/devstack/postgres.js';
import { isAlive } from '../../scripts/devstack/supervised-process.js';
import { RETAIL_DATABASE } from '../../scripts/reference/retail-database.js';
import {
  insertStockMovement,
  placeOrder,
  RetailRepositoryError,
  RetailRepositoryErrorReason,
  revenueByStoreMinute,
  stockBySkuLocation,
} from '../../scripts/reference/retail-repository.js';
import type { Order, StockMovement } from '../../scripts/reference/retail-repository.js';
import { caught } from '../helpers/caught.js';

const DATA_DIR = join(RTP, 'test-postgres', 'data');
const MIGRATIONS = ['0001_stock_movements.sql', '0002_orders.sql', '0003_outbox.sql', '0004_reconciliation_views.sql'];

let postgres: LocalPostgres;
let client: pg.Client;

async function connect(server: LocalPostgres): Promise<pg.Client> {
  const connected = new pg.Client({ connectionString: server.connectionString });
  await connected.connect();
  return connected;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params);
  return Number(rows[0]?.n);
}

function order(orderId: string, overrides: Partial<Order> = {}): Order {
  return {
    orderId,
    customerId: 'customer-1',
    storeId: 'store-atomic',
    channel: 'web',
    currency: 'EUR',
    total: '59.97',
    createdAt: new Date('2026-01-01T10:00:30.123Z'),
    lines: [
      { sku: 'sku-a', quantity: 2, unitPrice: '19.99' },
      { sku: 'sku-b', quantity: 1, unitPrice: '19.99' },
    ],
    ...overrides,
  };
}

beforeAll(async () => {
  postgres = await startPostgres({ dataDir: DATA_DIR, fresh: true, database: RETAIL_DATABASE.name });
  client = await connect(postgres);
});

afterAll(async () => {
  await client?.end().catch(() => undefined);
  await postgres?.stop();
  await removePostgresData(DATA_DIR);
});

describe('the local Postgres', () => {
  it('starts, answers on 127.0.0.1 and has the retail database', async () => {
    const { rows } = await client.query<{ one: number; db: string }>('SELECT 1 AS one, current_database() AS db');

    expect(rows).toEqual([{ one: 1, db: 'retail' }]);
    expect(postgres.connectionString).toMatch(/@127\.0\.0\.1:\d+\/retail$/);
    expect(postgres.pid).toBeGreaterThan(0);
  });

  it('runs with wal_level logical, listening on loopback only', async () => {
    const setting = async (name: string): Promise<string | undefined> => (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name];

    expect(await setting('wal_level')).toBe('logical');
    expect(await setting('listen_addresses')).toBe('127.0.0.1');
    expect(await setting('max_replication_slots')).toBe('10');
    expect(await setting('max_wal_senders')).toBe('10');
  });

  it('applies the migrations in order once; a second run applies nothing', async () => {
    const first = await migrate(postgres.connectionString, RETAIL_DATABASE.migrationsDir);
    const second = await migrate(postgres.connectionString, RETAIL_DATABASE.migrationsDir);

    expect(first).toEqual({ applied: MIGRATIONS, skipped: [] });
    expect(second).toEqual({ applied: [], skipped: MIGRATIONS });
    const { rows } = await client.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((row) => row.version)).toEqual(MIGRATIONS);
    expect(RETAIL_DATABASE.migrationsDir).toMatch(/scripts\/reference\/migrations\/$/);
  });

  it('decodes a committed insert through a pgoutput slot and a publication for the tables', async () => {
    await client.query(`SELECT pg_create_logical_replication_slot('rtp_test_slot', 'pgoutput')`);
    await client.query('CREATE PUBLICATION rtp_test_publication FOR TABLE stock_movements, orders, order_lines, outbox');
    try {
      await insertStockMovement(client, { sku: 'sku-cdc', locationId: 'store-1', quantityDelta: 5, movementType: 'RECEIPT', channel: 'pos' });

      // pgoutput messages: B(egin), R(elation), I(nsert), C(ommit), as Debezium would receive them.
      const { rows } = await client.query<{ data: Buffer }>(
        `SELECT data FROM pg_logical_slot_peek_binary_changes('rtp_test_slot', NULL, NULL, 'proto_version', '1', 'publication_names', 'rtp_test_publication')`,
      );
      expect(rows.map((row) => String.fromCharCode(row.data[0] ?? 0))).toEqual(['B', 'R', 'I', 'C']);
      expect(rows[1]?.data.includes('stock_movements')).toBe(true);
    } finally {
      await client.query('DROP PUBLICATION rtp_test_publication');
      await client.query(`SELECT pg_drop_replication_slot('rtp_test_slot')`);
    }
    expect(await count(`pg_replication_slots`)).toBe(0);
  });

  it('places an order with its lines and its outbox event in one transaction', async () => {
    const payload = Buffer.from([0x03, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);

    const { outboxId } = await placeOrder(client, order('order-1'), payload);

    const { rows: orders } = await client.query('SELECT order_id, store_id, total, status, created_at FROM orders WHERE order_id = $1', ['order-1']);
    expect(orders).toEqual([{ order_id: 'order-1', store_id: 'store-atomic', total: '59.97', status: 'PLACED', created_at: new Date('2026-01-01T10:00:30.123Z') }]);
    const { rows: lines } = await client.query('SELECT line_no, sku, quantity, unit_price FROM order_lines WHERE order_id = $1 ORDER BY line_no', ['order-1']);
    expect(lines).toEqual([
      { line_no: 1, sku: 'sku-a', quantity: 2, unit_price: '19.99' },
      { line_no: 2, sku: 'sku-b', quantity: 1, unit_price: '19.99' },
    ]);
    const { rows: events } = await client.query('SELECT id, aggregate_type, aggregate_id, event_type, payload FROM outbox WHERE aggregate_id = $1', ['order-1']);
    expect(events).toEqual([{ id: outboxId, aggregate_type: 'orders', aggregate_id: 'order-1', event_type: 'ORDER_PLACED', payload }]);
  });

  it('throws DUPLICATE_ORDER for an order id that exists, writing nothing of the second order', async () => {
    const error = await caught(placeOrder(client, order('order-1', { total: '1.00', lines: [{ sku: 'sku-z', quantity: 1, unitPrice: '1.00' }] }), Buffer.from('second')));

    expect(error).toBeInstanceOf(RetailRepositoryError);
    expect((error as RetailRepositoryError).reason).toBe(RetailRepositoryErrorReason.DUPLICATE_ORDER);
    expect(await count('orders WHERE order_id = $1 AND total = 59.97', ['order-1'])).toBe(1);
    expect(await count('order_lines WHERE order_id = $1', ['order-1'])).toBe(2);
    expect(await count('outbox WHERE aggregate_id = $1', ['order-1'])).toBe(1);
  });

  it('rolls back the order row when a line fails after it was written', async () => {
    // numeric(12,2) holds at most ten digits before the point: the second statement fails.
    const overflowing = order('order-2', { lines: [{ sku: 'sku-a', quantity: 1, unitPrice: '12345678901.00' }] });

    const error = await caught(placeOrder(client, overflowing, Buffer.from('never')));

    expect((error as pg.DatabaseError).code).toBe('22003');
    expect(await count('orders WHERE order_id = $1', ['order-2'])).toBe(0);
    expect(await count('outbox WHERE aggregate_id = $1', ['order-2'])).toBe(0);
    // The client is usable afterwards: no transaction was left open on it.
    expect((await client.query<{ s: string }>('SELECT pg_current_xact_id_if_assigned() IS NULL AS s')).rows[0]?.s).toBe(true);
  });

  it('answers the reconciliation queries with what was written', async () => {
    const movements: StockMovement[] = [
      { sku: 'rec-1', locationId: 'store-1', quantityDelta: 10, movementType: 'RECEIPT', channel: 'pos' },
      { sku: 'rec-1', locationId: 'store-1', quantityDelta: -3, movementType: 'SALE', channel: 'pos' },
      { sku: 'rec-1', locationId: 'web-dc', quantityDelta: -1, movementType: 'SALE', channel: 'web' },
      { sku: 'rec-2', locationId: 'store-1', quantityDelta: 4, movementType: 'TRANSFER_IN', channel: 'pos' },
    ];
    for (const movement of movements) await insertStockMovement(client, movement);
    const at = (iso: string): Date => new Date(`2026-01-01T${iso}Z`);
    await placeOrder(client, order('rec-o1', { storeId: 'rec-store-a', total: '10.50', createdAt: at('11:00:00.000') }), Buffer.from('1'));
    await placeOrder(client, order('rec-o2', { storeId: 'rec-store-a', total: '0.25', createdAt: at('11:00:59.999') }), Buffer.from('2'));
    await placeOrder(client, order('rec-o3', { storeId: 'rec-store-a', total: '7.00', createdAt: at('11:01:00.000') }), Buffer.from('3'));
    await placeOrder(client, order('rec-o4', { storeId: 'rec-store-b', total: '99.99', createdAt: at('11:00:30.000') }), Buffer.from('4'));

    const stock = (await stockBySkuLocation(client)).filter((level) => level.sku.startsWith('rec-'));
    const revenue = (await revenueByStoreMinute(client)).filter((window) => window.storeId.startsWith('rec-'));

    expect(stock).toEqual([
      { sku: 'rec-1', locationId: 'store-1', quantity: 7, movements: 2 },
      { sku: 'rec-1', locationId: 'web-dc', quantity: -1, movements: 1 },
      { sku: 'rec-2', locationId: 'store-1', quantity: 4, movements: 1 },
    ]);
    expect(revenue).toEqual([
      { storeId: 'rec-store-a', windowStart: at('11:00:00.000'), orders: 2, revenueCents: 1075 },
      { storeId: 'rec-store-a', windowStart: at('11:01:00.000'), orders: 1, revenueCents: 700 },
      { storeId: 'rec-store-b', windowStart: at('11:00:00.000'), orders: 1, revenueCents: 9999 },
    ]);
  });

  it('keeps its data across a restart without fresh', async () => {
    const before = await count('orders');
    await client.end();
    await postgres.stop();

    postgres = await startPostgres({ dataDir: DATA_DIR, database: RETAIL_DATABASE.name });
    client = await connect(postgres);

    expect(before).toBe(5);
    expect(await count('orders')).toBe(before);
    expect(await count('stock_movements WHERE sku = $1', ['rec-1'])).toBe(3);
    expect(await migrate(postgres.connectionString, RETAIL_DATABASE.migrationsDir)).toEqual({ applied: [], skipped: MIGRATIONS });
  });

  it('leaves no process of its own running after stop', async () => {
    // Every server process (checkpointer, walwriter, io workers, backends, …) is a child of the postmaster.
    const postmaster = postgres.pid ?? 0;
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
    const children = rows.map((row) => row.pid);
    const parents = await Promise.all(children.map(parentOf));
    expect(parents.every((parent) => parent === postmaster)).toBe(true);
    expect(children.length).toBeGreaterThan(3);
    expect(isAlive(postmaster)).toBe(true);

    await client.end();
    await postgres.stop();

    expect([postmaster, ...children].filter(isAlive)).toEqual([]);
  });
});

/** The parent pid from /proc/<pid>/stat; the command name in parentheses may hold spaces. */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
