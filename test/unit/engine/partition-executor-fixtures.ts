/**
 * Fixtures of the partition executor's tests (partition-executor*.test.ts):
 * sales' ids per key and second, runs of sales on one key or on a key each,
 * and a store that finds DynamoDB unavailable.
 */
import type { ProcessorDefinition } from '../../../functions/core/engine/definition.js';
import type { DecodedRecord } from '../../../functions/core/processing/partition-contract.js';
import type { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { batch, keyWindowsOf, perSecondSales, sale, type Sale } from './engine-fixtures.js';

/** Sales' ids per key in 1-second windows of topic 'sales', on two partitions unless told; each id counted once with `dedup`. */
export function idsPerSecond(options: { dedup?: boolean; partitions?: number } = {}): ProcessorDefinition {
  const ids = { initial: (): string[] => [], add: (ids: string[], v: Sale) => [...ids, v.id] };
  return perSecondSales(ids, { partitions: options.partitions ?? 2, dedupHorizonMs: options.dedup === true ? 60_000 : undefined });
}

/** Sales at consecutive offsets, all in the window [1000, 2000) of one key. */
export const sales = (count: number, firstOffset = 0): DecodedRecord<Sale>[] =>
  batch(
    Array.from({ length: count }, (_, i) => sale(`s${firstOffset + i}`, 1000 + firstOffset + i)),
    { firstOffset },
  );

/** One sale for each of `count` keys, at consecutive offsets. */
export const salesPerKey = (count: number): DecodedRecord<Sale>[] => batch(Array.from({ length: count }, (_, i) => sale(`s${i}`, 1000 + i, `k-${i}`)));

export async function idsIn(store: InMemoryStateStore, key = 'store-1'): Promise<string[]> {
  return ((await keyWindowsOf(store, 'per-second', key))?.windows[0]?.acc as string[] | undefined) ?? [];
}

export const unavailable = (): never => {
  throw new StateStoreUnavailableError('throttled');
};
