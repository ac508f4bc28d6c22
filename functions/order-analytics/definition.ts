import { defineProcessor, type ProcessorDefinition } from '../core/engine/definition.js';
import { subjectSchema } from '../core/serde/subject-schema.js';

/** An order event as the reader schema (orders v3) decodes it, whatever version wrote it. */
export interface OrderEventEnvelope {
  readonly event_id: string;
  readonly event_type: string;
  readonly occurred_at: Date;
  readonly source: string;
  readonly correlation_id: string | null;
  readonly schema_version: number;
  readonly payload: {
    readonly order_id: string;
    readonly customer_id: string;
    readonly store_id: string;
    readonly channel: string;
    readonly currency: string;
    /** decimal(12,2) as an exact string */
    readonly total: string;
    readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly unit_price: string }>;
    readonly shipping_method: string;
    readonly promo_code: string | null;
  };
}

export interface StoreRevenue {
  readonly orders: number;
  /** Integer cents: sums of decimals must not drift. */
  readonly revenueCents: number;
}

export interface CustomerActivity {
  readonly orders: number;
  readonly totalCents: number;
  readonly promoOrders: number;
  /** The distinct stores ordered from, sorted: the MAX_TRACKED_STORES first in that order, whatever order the orders came in. */
  readonly stores: readonly string[];
}

export interface RiskAlert {
  readonly customerId: string;
  readonly score: number;
  readonly threshold: number;
  readonly activity: CustomerActivity;
}

export const ORDER_PLACED = 'ORDER_PLACED';
const MAX_TRACKED_STORES = 20;

/** Exact cents from a decimal(12,2) string such as "59.97" or "-0.50". */
export function toCents(decimal: string): number {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(decimal);
  if (match === null) throw new TypeError(`order total '${decimal}' is not a decimal with two fraction digits`);
  const cents = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === '-' ? -cents : cents;
}

/**
 * A customer's risk over five minutes: many orders, large amounts, several
 * stores and promo codes in a short time are what card testing and
 * reseller abuse look like. Points: 10 per order, 1 per 100.00 spent, 15 per
 * store beyond the first, 5 per order with a promo code.
 */
export function riskScore(activity: CustomerActivity): number {
  return (
    activity.orders * 10 +
    Math.floor(activity.totalCents / 10_000) +
    Math.max(0, activity.stores.length - 1) * 15 +
    activity.promoOrders * 5
  );
}

/** The distinct stores of both lists, sorted, the first MAX_TRACKED_STORES of them: independent of the order orders arrive in. */
function trackedStores(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort().slice(0, MAX_TRACKED_STORES);
}

export interface OrderAnalyticsOptions {
  /** Partition count of the orders topic. */
  readonly partitions: number;
  /** Score at or above which a customer's window raises an alert. @default 100 */
  readonly riskThreshold?: number;
}

/**
 * order-analytics: revenue and order count per store in 1-minute tumbling
 * windows, and a per-customer risk score over 5 minutes sliding every
 * minute, announcing an alert when a window's score reaches the threshold.
 * Only placed orders count; repeats of an event id within a day are
 * dropped.
 */
export function orderAnalytics(options: OrderAnalyticsOptions): ProcessorDefinition {
  const threshold = options.riskThreshold ?? 100;
  const placed = (v: OrderEventEnvelope): boolean => v.event_type === ORDER_PLACED;
  return defineProcessor<OrderEventEnvelope>({
    name: 'order-analytics',
    input: { topics: [{ name: 'orders', partitions: options.partitions }], readerSchema: subjectSchema('orders') },
    eventTime: (v) => v.occurred_at.getTime(),
    watermark: { outOfOrdernessMs: 5_000, idleTimeoutMs: 60_000 },
    dedup: { eventId: (v) => v.event_id, horizonMs: 24 * 60 * 60 * 1000 },
    views: [
      {
        kind: 'window',
        name: 'store-revenue',
        key: (v) => (placed(v) ? v.payload.store_id : undefined),
        window: { type: 'tumbling', sizeMs: 60_000 },
        allowedLatenessMs: 30_000,
        aggregate: {
          initial: (): StoreRevenue => ({ orders: 0, revenueCents: 0 }),
          add: (acc: StoreRevenue, v) => ({ orders: acc.orders + 1, revenueCents: acc.revenueCents + toCents(v.payload.total) }),
          merge: (a: StoreRevenue, b: StoreRevenue) => ({ orders: a.orders + b.orders, revenueCents: a.revenueCents + b.revenueCents }),
        },
      },
      {
        kind: 'window',
        name: 'customer-risk',
        key: (v) => (placed(v) ? v.payload.customer_id : undefined),
        window: { type: 'hopping', sizeMs: 5 * 60_000, slideMs: 60_000 },
        aggregate: {
          initial: (): CustomerActivity => ({ orders: 0, totalCents: 0, promoOrders: 0, stores: [] }),
          add: (acc: CustomerActivity, v) => ({
            orders: acc.orders + 1,
            totalCents: acc.totalCents + toCents(v.payload.total),
            promoOrders: acc.promoOrders + (v.payload.promo_code === null ? 0 : 1),
            stores: trackedStores(acc.stores, [v.payload.store_id]),
          }),
          // Partials of the same window merge to what adding every order to one accumulator gives, in any order.
          merge: (a: CustomerActivity, b: CustomerActivity) => ({
            orders: a.orders + b.orders,
            totalCents: a.totalCents + b.totalCents,
            promoOrders: a.promoOrders + b.promoOrders,
            stores: trackedStores(a.stores, b.stores),
          }),
        },
        emit: (closed) => {
          const activity = closed.result as CustomerActivity;
          const score = riskScore(activity);
          return score >= threshold ? ({ customerId: closed.key, score, threshold, activity } satisfies RiskAlert) : undefined;
        },
      },
    ],
  });
}
