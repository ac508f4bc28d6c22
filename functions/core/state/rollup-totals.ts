import type { StateBody } from './state-items.js';

/** A rollup group's sums: every partition's share added up. */
export interface RollupTotal {
  readonly view: string;
  readonly rollup: string;
  readonly group: string;
  readonly measures: { readonly [name: string]: number };
  readonly rows: number;
}

/**
 * Each rollup group's sums, from the shares of every partition that
 * changed its rows: what a serving read of the group returns. Keyed by
 * view, rollup and group joined with NUL.
 */
export function rollupTotals(items: readonly StateBody[]): Map<string, RollupTotal> {
  const totals = new Map<string, RollupTotal>();
  for (const item of items) {
    if (item.kind !== 'rollup') continue;
    const key = rollupKey(item.view, item.rollup, item.group);
    const current = totals.get(key) ?? { view: item.view, rollup: item.rollup, group: item.group, measures: {}, rows: 0 };
    const measures: Record<string, number> = { ...current.measures };
    for (const [name, value] of Object.entries(item.measures)) measures[name] = (measures[name] ?? 0) + value;
    totals.set(key, { ...current, measures, rows: current.rows + item.rows });
  }
  return totals;
}

export function rollupKey(view: string, rollup: string, group: string): string {
  return `${view}\u0000${rollup}\u0000${group}`;
}
