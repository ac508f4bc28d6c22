import { TRANSACTION_LIMITS, type ItemWrite } from '../state/state-store.js';
import { idKey, isPartitionOwned } from '../state/table-layout.js';
import { directIds } from './chunk-item-ids.js';
import type { ProcessorDefinition } from './definition.js';
import type { PreparedRecord } from './prepared-record.js';

/** Every write but the checkpoint and meta must fit next to them; sizes are estimated with headroom. */
const ITEM_BUDGET = TRANSACTION_LIMITS.maxItems - 2;
const MAX_ITEM_BYTES = 380_000;
const ITEM_OVERHEAD_BYTES = 200;

/** The longest prefix of `pending` whose directly named items fit one transaction. */
export function takeChunk(definition: ProcessorDefinition, pending: readonly PreparedRecord[]): PreparedRecord[] {
  const ids = new Set<string>();
  const chunk: PreparedRecord[] = [];
  for (const record of pending) {
    // Panes and rollup shares are written on their own, outside the transaction's item limit.
    const direct = directIds(definition, record)
      .filter((id) => !isPartitionOwned(id))
      .map(idKey);
    const added = direct.filter((k) => !ids.has(k)).length;
    if (chunk.length > 0 && ids.size + added > ITEM_BUDGET) break;
    for (const k of direct) ids.add(k);
    chunk.push(record);
  }
  return chunk;
}

/**
 * Why a plan's writes would not fit DynamoDB (the transaction's item count
 * or bytes, or one item's size), or undefined when they fit.
 */
export function overBudget(plan: { readonly writes: readonly ItemWrite[]; readonly ownWrites: ReadonlyArray<readonly ItemWrite[]> }): string | undefined {
  const oversized = [...plan.writes, ...plan.ownWrites.flat()].find((w) => estimateBytes(w) > MAX_ITEM_BYTES);
  if (oversized !== undefined) return `${estimateBytes(oversized)} bytes in ${oversized.id.pk}, over the ${MAX_ITEM_BYTES}-byte limit per item`;
  const total = plan.writes.reduce((sum, w) => sum + estimateBytes(w), 0);
  if (total > TRANSACTION_LIMITS.maxBytes) return `${total} bytes in the transaction, over the ${TRANSACTION_LIMITS.maxBytes}-byte limit`;
  if (plan.writes.length > TRANSACTION_LIMITS.maxItems) return `${plan.writes.length} items in the transaction, over the ${TRANSACTION_LIMITS.maxItems}-item limit`;
  return undefined;
}

function estimateBytes(write: ItemWrite): number {
  return ITEM_OVERHEAD_BYTES + write.id.pk.length + write.id.sk.length + (write.body === null ? 0 : JSON.stringify(write.body).length);
}
