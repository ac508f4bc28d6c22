/**
 * Fixtures of the chunk-planning tests (plan-chunk*.test.ts): sales with an
 * amount, folded into totals per store in fixed or session windows, and
 * stock changes projected per SKU with rollups per location.
 */
import { defineProcessor, type ProcessorDefinition, type View } from '../../../functions/core/engine/definition.js';
import type { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { change, keyWindowsOf, TOPIC } from './engine-fixtures.js';

export interface Sale {
  readonly id: string;
  readonly key: string;
  readonly t: number;
  readonly amount: number;
  readonly vip?: boolean;
}

export interface Totals {
  readonly total: number;
  readonly ids: string[];
  readonly merges: number;
}

export const sale = (id: string, t: number, amount = 1, key = 'store-1'): Sale => ({ id, key, t, amount });

/**
 * Without merge, fixed windows keep one item per key (the per-key path these
 * tests pin down); sessions need merge and keep that path anyway. The
 * per-partition panes of views that can merge have tests of their own.
 */
export const totals = {
  initial: (): Totals => ({ total: 0, ids: [], merges: 0 }),
  add: (acc: Totals, v: Sale): Totals => ({ total: acc.total + v.amount, ids: [...acc.ids, v.id], merges: acc.merges }),
};
export const mergingTotals = {
  ...totals,
  merge: (a: Totals, b: Totals): Totals => ({ total: a.total + b.total, ids: [...a.ids, ...b.ids].sort(), merges: a.merges + b.merges + 1 }),
};

export function salesProcessor(views: ReadonlyArray<View<Sale>>, extra: Partial<ProcessorDefinition<Sale>> = {}): ProcessorDefinition {
  return defineProcessor<Sale>({
    name: 'store-sales',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    eventTime: (v) => v.t,
    views,
    ...extra,
  });
}

export const tumbling = (name: string, allowedLatenessMs = 0, key: (v: Sale) => string | undefined = (v) => v.key): View<Sale> => ({
  kind: 'window',
  name,
  key,
  window: { type: 'tumbling', sizeMs: 1000 },
  allowedLatenessMs,
  aggregate: totals,
});

export async function resultOf(store: InMemoryStateStore, view: string, key: string, start: number): Promise<Totals | undefined> {
  return (await keyWindowsOf(store, view, key))?.windows.find((w) => w.start === start)?.acc as Totals | undefined;
}

export interface StockChange {
  readonly op: 'upsert' | 'delete';
  readonly sku: string;
  /** A decimal string: positions may exceed 2^53. */
  readonly pos: string;
  readonly location?: string;
  readonly qty?: number;
}

export const upsert = (sku: string, pos: number | string, location: string, qty: number): StockChange => ({ op: 'upsert', sku, pos: String(pos), location, qty });
export const remove = (sku: string, pos: number | string): StockChange => ({ op: 'delete', sku, pos: String(pos) });

export function stockProcessor(rollups: NonNullable<Extract<View<StockChange>, { kind: 'projection' }>['rollups']> = []): ProcessorDefinition {
  return defineProcessor<StockChange>({
    name: 'stock',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    views: [
      {
        kind: 'projection',
        name: 'stock',
        change: (v) =>
          change(v.op, JSON.stringify([v.sku]), BigInt(v.pos), v.op === 'upsert' ? { sku: v.sku, location: v.location, qty: v.qty } : { sku: v.sku }),
        rollups,
      },
    ],
  });
}

export const byLocation = { name: 'by-location', group: (row: Readonly<Record<string, unknown>>) => row.location as string | undefined, measures: (row: Readonly<Record<string, unknown>>) => ({ qty: row.qty as number }) };
