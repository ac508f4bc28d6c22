import { describe, expect, it } from 'vitest';
import type { StateBody } from '../../../functions/core/state/state-items.js';
import { reconcile } from '../../../scripts/reference/reconcile.js';

const MINUTE = Date.parse('2026-11-22T09:00:00.000Z');
const rollup = (sku: string, location: string, quantity: number, partition = 0): StateBody => ({
  kind: 'rollup', view: 'movements', rollup: 'stock', group: JSON.stringify([sku, location]), topic: 'stock-movements', partition, applied: 0, measures: { quantity }, rows: 1,
});
const revenueWindow = (store: string, start: number, orders: number, revenueCents: number): StateBody => ({ kind: 'final-window', view: 'store-revenue', key: store, start, end: start + 60_000, result: { orders, revenueCents }, count: orders, closedAt: 0 });

describe('reconciliation', () => {
  it('finds no differences when the views match the truth, late orders set aside', () => {
    const result = reconcile({
      stock: [{ sku: 'SKU-1', locationId: 'store-1', quantity: 7, movements: 3 }],
      revenue: [
        { storeId: 'store-1', windowStart: new Date(MINUTE), orders: 3, revenueCents: 3_000 },
        { storeId: 'store-2', windowStart: new Date(MINUTE), orders: 1, revenueCents: 100 },
      ],
      items: [
        rollup('SKU-1', 'store-1', 7),
        rollup('SKU-2', 'web', 0),
        revenueWindow('store-1', MINUTE, 2, 2_500),
        // A window still open at the end of the run counts with its current value.
        { kind: 'key-windows', view: 'store-revenue', key: 'store-2', windows: [{ start: MINUTE, end: MINUTE + 60_000, acc: { orders: 1, revenueCents: 100 }, count: 1 }], closedThrough: null },
      ],
      plannedLate: [
        { eventId: 'e-late', storeId: 'store-1', windowStart: MINUTE, revenueCents: 500, lateFor: ['store-revenue', 'customer-risk'] },
        // Late for the risk view only: it still counts in its revenue window.
        { eventId: 'e-risk-only', storeId: 'store-2', windowStart: MINUTE, revenueCents: 100, lateFor: ['customer-risk'] },
      ],
      deadLetteredLate: new Set(['e-late', 'e-risk-only']),
    });
    expect(result).toEqual({ differences: [], stockKeysChecked: 1, revenueWindowsChecked: 2, lateOrdersPlanned: 2 });
  });

  it('compares the orders dead-lettered as late with the plan\'s, both ways', () => {
    const result = reconcile({
      stock: [],
      revenue: [{ storeId: 'store-1', windowStart: new Date(MINUTE), orders: 2, revenueCents: 700 }],
      // An on-time order (200 cents) wrongly dead-lettered as late is missing from its window; a planned-late one was counted.
      items: [revenueWindow('store-1', MINUTE, 1, 500)],
      plannedLate: [
        { eventId: 'e-late', storeId: 'store-1', windowStart: MINUTE, revenueCents: 500, lateFor: ['store-revenue'] },
      ],
      deadLetteredLate: new Set(['e-on-time']),
    });
    expect(result.differences).toEqual([
      { view: 'store-revenue', key: `store-1@${MINUTE}`, truth: { orders: 1, revenueCents: 200 }, pipeline: { orders: 1, revenueCents: 500 } },
      { view: 'late-orders', key: 'e-late', truth: 'late for store-revenue', pipeline: 'not dead-lettered as LATE_EVENT' },
      { view: 'late-orders', key: 'e-on-time', truth: 'on time', pipeline: 'dead-lettered as LATE_EVENT' },
    ]);
  });

  it('flags a revenue window found both closed and still open instead of picking one', () => {
    const open: StateBody = { kind: 'key-windows', view: 'store-revenue', key: 'store-1', windows: [{ start: MINUTE, end: MINUTE + 60_000, acc: { orders: 1, revenueCents: 100 }, count: 1 }], closedThrough: null };
    const result = reconcile({
      stock: [],
      revenue: [{ storeId: 'store-1', windowStart: new Date(MINUTE), orders: 1, revenueCents: 100 }],
      items: [revenueWindow('store-1', MINUTE, 1, 100), open],
      plannedLate: [],
      deadLetteredLate: new Set(),
    });
    expect(result.differences).toEqual([{ view: 'store-revenue', key: `store-1@${MINUTE}`, truth: 'one window', pipeline: 'closed and still open' }]);
  });

  it('names every stock and revenue difference, including views missing on either side', () => {
    const result = reconcile({
      stock: [{ sku: 'SKU-1', locationId: 'store-1', quantity: 7, movements: 3 }, { sku: 'SKU-3', locationId: 'web', quantity: 2, movements: 1 }],
      revenue: [{ storeId: 'store-1', windowStart: new Date(MINUTE), orders: 3, revenueCents: 3_000 }],
      items: [rollup('SKU-1', 'store-1', 8), revenueWindow('store-1', MINUTE, 3, 2_999), revenueWindow('store-2', MINUTE, 1, 100)],
      plannedLate: [],
      deadLetteredLate: new Set(),
    });
    expect(result.differences).toEqual([
      { view: 'stock', key: '["SKU-1","store-1"]', truth: 7, pipeline: 8 },
      { view: 'stock', key: '["SKU-3","web"]', truth: 2, pipeline: 0 },
      { view: 'store-revenue', key: `store-1@${MINUTE}`, truth: { orders: 3, revenueCents: 3_000 }, pipeline: { orders: 3, revenueCents: 2_999 } },
      { view: 'store-revenue', key: `store-2@${MINUTE}`, truth: { orders: 0, revenueCents: 0 }, pipeline: { orders: 1, revenueCents: 100 } },
    ]);
  });
});
