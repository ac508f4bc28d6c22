import pg from 'pg';
import type { ClientBase } from 'pg';
import { ORDER_PLACED } from '../../functions/order-analytics/definition.js';
import { ReferenceInputError, ReferenceInputErrorReason, ReferencePipelineError } from './errors.js';

/**
 * The retail demo's writes and the reconciliation's reads, over the schema in
 * migrations/. Used by the workload generator and the end-of-run
 * reconciliation; SQL stays here.
 */

export const MOVEMENT_TYPES = ['SALE', 'RECEIPT', 'RETURN', 'ADJUSTMENT', 'TRANSFER_IN', 'TRANSFER_OUT'] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];
export const CHANNELS = ['pos', 'web'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Names the topic through the outbox router's `route.by.field` (see 0003_outbox.sql). */
export const ORDER_AGGREGATE_TYPE = 'orders';
export const ORDER_STATUS_PLACED = 'PLACED';

/** Anything that runs one query: a client, or a pool for the single-statement functions. */
export type Queryable = Pick<ClientBase, 'query'>;

export interface StockMovement {
  readonly sku: string;
  readonly locationId: string;
  readonly quantityDelta: number;
  readonly movementType: MovementType;
  readonly channel: Channel;
  /** @default the database's now() */
  readonly occurredAt?: Date;
}

export interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly storeId: string;
  readonly channel: Channel;
  /** ISO 4217 code */
  readonly currency: string;
  /** decimal(12,2) as an exact string, e.g. "59.97": a float would not survive the round trip. */
  readonly total: string;
  /** Also the outbox event's `occurred_at`, so the reconciliation and order-analytics use the same minute. */
  readonly createdAt: Date;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly unitPrice: string }>;
}

export interface StockLevel {
  readonly sku: string;
  readonly locationId: string;
  readonly quantity: number;
  readonly movements: number;
}

export interface StoreMinuteRevenue {
  readonly storeId: string;
  /** The UTC minute, as order-analytics' 1-minute tumbling window starts it. */
  readonly windowStart: Date;
  readonly orders: number;
  /** Exact, as the processor's StoreRevenue keeps it. */
  readonly revenueCents: number;
}

/** Why a repository write was refused. */
export const RetailRepositoryErrorReason = {
  /** An order with this id exists; nothing of the second one was written. */
  DUPLICATE_ORDER: 'DUPLICATE_ORDER',
} as const;
export type RetailRepositoryErrorReason = (typeof RetailRepositoryErrorReason)[keyof typeof RetailRepositoryErrorReason];

export class RetailRepositoryError extends ReferencePipelineError {
  public override readonly name = 'RetailRepositoryError';
  public constructor(
    message: string,
    public readonly reason: RetailRepositoryErrorReason,
    public readonly orderId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const UNIQUE_VIOLATION = '23505';
const ORDERS_PRIMARY_KEY = 'orders_pkey';

export async function insertStockMovement(client: Queryable, movement: StockMovement): Promise<{ movementId: number; occurredAt: Date }> {
  const { rows } = await client.query<{ movement_id: string; occurred_at: Date }>(
    `INSERT INTO stock_movements (sku, location_id, quantity_delta, movement_type, channel, occurred_at)
     VALUES ($1, $2, $3, $4, $5, coalesce($6, now()))
     RETURNING movement_id, occurred_at`,
    [movement.sku, movement.locationId, movement.quantityDelta, movement.movementType, movement.channel, movement.occurredAt ?? null],
  );
  const row = rows[0];
  if (row === undefined) throw new ReferenceInputError('INSERT … RETURNING returned no row', ReferenceInputErrorReason.UNEXPECTED_ANSWER);
  return { movementId: exactInteger(row.movement_id, 'movement_id'), occurredAt: row.occurred_at };
}

/**
 * The outbox pattern: the order, its lines and its ORDER_PLACED event in one
 * transaction, so the event is streamed if and only if the order exists.
 * Takes a single client, never a pool: a pool could run BEGIN and the
 * inserts on different connections. Returns the outbox row's id.
 *
 * @throws RetailRepositoryError DUPLICATE_ORDER when the order id exists (nothing is written)
 */
export async function placeOrder(client: ClientBase, order: Order, outboxPayload: Buffer): Promise<{ outboxId: string }> {
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO orders (order_id, customer_id, store_id, channel, currency, total, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [order.orderId, order.customerId, order.storeId, order.channel, order.currency, order.total, ORDER_STATUS_PLACED, order.createdAt],
    );
    if (order.lines.length > 0) {
      // One statement for all lines, numbered from 1 in the order given.
      await client.query(
        `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
         SELECT $1, line.no::int, line.sku, line.quantity, line.unit_price
         FROM unnest($2::text[], $3::int[], $4::numeric[]) WITH ORDINALITY AS line(sku, quantity, unit_price, no)`,
        [order.orderId, order.lines.map((l) => l.sku), order.lines.map((l) => l.quantity), order.lines.map((l) => l.unitPrice)],
      );
    }
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload, created_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [ORDER_AGGREGATE_TYPE, order.orderId, ORDER_PLACED, outboxPayload, order.createdAt],
    );
    await client.query('COMMIT');
    const id = rows[0]?.id;
    if (id === undefined) throw new ReferenceInputError('INSERT … RETURNING returned no row', ReferenceInputErrorReason.UNEXPECTED_ANSWER);
    return { outboxId: id };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof pg.DatabaseError && error.code === UNIQUE_VIOLATION && error.constraint === ORDERS_PRIMARY_KEY) {
      throw new RetailRepositoryError(`Order ${order.orderId} already exists`, RetailRepositoryErrorReason.DUPLICATE_ORDER, order.orderId, { cause: error });
    }
    throw error;
  }
}

/**
 * Publishes an order's event again, as a producer that retried after a
 * timeout would: a second outbox row with the same payload (so the same
 * event id) and no second order. The pipeline must count the order once.
 */
export async function republishOrderEvent(client: Queryable, orderId: string, outboxPayload: Buffer): Promise<void> {
  await client.query(
    `INSERT INTO outbox (aggregate_type, aggregate_id, event_type, payload) VALUES ($1, $2, $3, $4)`,
    [ORDER_AGGREGATE_TYPE, orderId, ORDER_PLACED, outboxPayload],
  );
}

/** Corrects a movement's quantity (a miscounted delivery, a voided sale line). */
export async function updateStockMovement(client: Queryable, movementId: number, quantityDelta: number): Promise<void> {
  await client.query('UPDATE stock_movements SET quantity_delta = $2 WHERE movement_id = $1', [movementId, quantityDelta]);
}

export async function deleteStockMovement(client: Queryable, movementId: number): Promise<void> {
  await client.query('DELETE FROM stock_movements WHERE movement_id = $1', [movementId]);
}

export async function stockBySkuLocation(client: Queryable): Promise<StockLevel[]> {
  const { rows } = await client.query<{ sku: string; location_id: string; quantity: string; movements: string }>(
    'SELECT sku, location_id, quantity, movements FROM stock_by_sku_location ORDER BY sku, location_id',
  );
  return rows.map((row) => ({
    sku: row.sku,
    locationId: row.location_id,
    quantity: exactInteger(row.quantity, 'quantity'),
    movements: exactInteger(row.movements, 'movements'),
  }));
}

export async function revenueByStoreMinute(client: Queryable): Promise<StoreMinuteRevenue[]> {
  const { rows } = await client.query<{ store_id: string; window_start: Date; orders: string; revenue_cents: string }>(
    'SELECT store_id, window_start, orders, revenue_cents FROM revenue_by_store_minute ORDER BY store_id, window_start',
  );
  return rows.map((row) => ({
    storeId: row.store_id,
    windowStart: row.window_start,
    orders: exactInteger(row.orders, 'orders'),
    revenueCents: exactInteger(row.revenue_cents, 'revenue_cents'),
  }));
}

/** pg returns bigint as a string, since it may exceed 2^53; the demo's never do, and a silent rounding would hide a difference. */
function exactInteger(value: string, column: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new ReferenceInputError(`${column} ${value} is not an integer JavaScript can hold exactly`, ReferenceInputErrorReason.INVALID_INPUT);
  return number;
}
