import { orderAnalytics, type StoreRevenue } from '../../functions/order-analytics/definition.js';
import { stockGroup } from '../../functions/inventory-projector/definition.js';
import { openWindowResults } from '../../functions/core/engine/open-windows.js';
import type { StateBody } from '../../functions/core/state/state-items.js';
import { rollupTotals } from '../../functions/core/state/rollup-totals.js';
import { finalWindowResults } from '../../functions/core/state/window-results.js';
import type { StockLevel, StoreMinuteRevenue } from './retail-repository.js';

/**
 * The demo's pass mark: the source of truth in Postgres against the views
 * the processors keep in DynamoDB. Stock per SKU and location must match
 * exactly. Revenue per store and minute must match exactly too, once the
 * orders the plan says are too late for the revenue windows are set aside:
 * they are in Postgres but, by design, in no window. Which orders are late
 * comes from the workload's plan (plannedLateness), never from the
 * pipeline, and the orders the pipeline dead-lettered as LATE_EVENT must
 * be exactly those: one dead-lettered but not planned late was lost, one
 * planned late but counted was counted wrongly.
 */

/** An order the plan says is too late for at least one of order-analytics' views. */
export interface PlannedLateOrder {
  readonly eventId: string;
  readonly storeId: string;
  /** Start of the minute its event time falls in, epoch ms. */
  readonly windowStart: number;
  readonly revenueCents: number;
  /** The views it is too late for. */
  readonly lateFor: readonly string[];
}

export interface Difference {
  readonly view: 'stock' | 'store-revenue' | 'late-orders';
  readonly key: string;
  readonly truth: unknown;
  readonly pipeline: unknown;
}

export interface Reconciliation {
  readonly differences: readonly Difference[];
  readonly stockKeysChecked: number;
  readonly revenueWindowsChecked: number;
  /** Orders the plan says are late; each must have been dead-lettered as LATE_EVENT. */
  readonly lateOrdersPlanned: number;
}

export const STORE_REVENUE_VIEW = 'store-revenue';

/** order-analytics' revenue per store and minute as its state holds it. */
export interface StoreRevenueWindows {
  /** Keyed `<store>@<window start, epoch ms>`: the closed windows' final results and the windows still open, since the serving view holds both. */
  readonly windows: Map<string, StoreRevenue>;
  /** Windows found both closed and still open, which must never be: each is a broken close, not a result. */
  readonly closedAndOpen: readonly string[];
}

export function storeRevenueWindows(items: readonly StateBody[]): StoreRevenueWindows {
  const closed = new Map<string, StoreRevenue>();
  const open = new Map<string, StoreRevenue>();
  for (const w of finalWindowResults(items)) {
    if (w.view === STORE_REVENUE_VIEW) closed.set(`${w.key}@${w.start}`, w.result as unknown as StoreRevenue);
  }
  // The views are read as the processor defines them; the partition count plays no part in reading.
  for (const w of openWindowResults(orderAnalytics({ partitions: 1 }), items)) {
    if (w.view === STORE_REVENUE_VIEW) open.set(`${w.key}@${w.start}`, w.result as unknown as StoreRevenue);
  }
  return { windows: new Map([...open, ...closed]), closedAndOpen: [...open.keys()].filter((key) => closed.has(key)) };
}

export function reconcile(input: {
  readonly stock: readonly StockLevel[];
  readonly revenue: readonly StoreMinuteRevenue[];
  /** Every item of the inventory-projector and order-analytics tables. */
  readonly items: readonly StateBody[];
  /** From the plan: the orders too late for a view. */
  readonly plannedLate: readonly PlannedLateOrder[];
  /** From the dead-letter queue: the event ids of the orders dead-lettered as LATE_EVENT. */
  readonly deadLetteredLate: ReadonlySet<string>;
}): Reconciliation {
  const differences: Difference[] = [];

  const rollups = new Map<string, number>();
  for (const total of rollupTotals(input.items).values()) {
    if (total.view === 'movements' && total.rollup === 'stock') rollups.set(total.group, total.measures.quantity ?? 0);
  }
  const truthStock = new Map(input.stock.map((s) => [stockGroup({ sku: s.sku, location_id: s.locationId }), s.quantity]));
  for (const key of new Set([...truthStock.keys(), ...rollups.keys()])) {
    const truth = truthStock.get(key) ?? 0;
    const pipeline = rollups.get(key) ?? 0;
    if (truth !== pipeline) differences.push({ view: 'stock', key, truth, pipeline });
  }

  const { windows, closedAndOpen } = storeRevenueWindows(input.items);
  for (const key of closedAndOpen) differences.push({ view: 'store-revenue', key, truth: 'one window', pipeline: 'closed and still open' });
  const expected = new Map<string, StoreRevenue>();
  for (const r of input.revenue) expected.set(`${r.storeId}@${r.windowStart.getTime()}`, { orders: r.orders, revenueCents: r.revenueCents });
  for (const late of input.plannedLate) {
    if (!late.lateFor.includes(STORE_REVENUE_VIEW)) continue;
    const key = `${late.storeId}@${late.windowStart}`;
    const current = expected.get(key) ?? { orders: 0, revenueCents: 0 };
    expected.set(key, { orders: current.orders - 1, revenueCents: current.revenueCents - late.revenueCents });
  }
  for (const key of new Set([...expected.keys(), ...windows.keys()])) {
    const truth = expected.get(key) ?? { orders: 0, revenueCents: 0 };
    const pipeline = windows.get(key) ?? { orders: 0, revenueCents: 0 };
    if (truth.orders !== pipeline.orders || truth.revenueCents !== pipeline.revenueCents) differences.push({ view: 'store-revenue', key, truth, pipeline });
  }

  const planned = new Map(input.plannedLate.map((o) => [o.eventId, o]));
  for (const [eventId, order] of planned) {
    if (!input.deadLetteredLate.has(eventId)) differences.push({ view: 'late-orders', key: eventId, truth: `late for ${order.lateFor.join(', ')}`, pipeline: 'not dead-lettered as LATE_EVENT' });
  }
  for (const eventId of input.deadLetteredLate) {
    if (!planned.has(eventId)) differences.push({ view: 'late-orders', key: eventId, truth: 'on time', pipeline: 'dead-lettered as LATE_EVENT' });
  }
  return { differences, stockKeysChecked: truthStock.size, revenueWindowsChecked: expected.size, lateOrdersPlanned: planned.size };
}
