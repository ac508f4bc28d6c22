import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface WriteCount {
  requests: number;
  items: number;
  /** Items written, by the state kind they hold (`checkpoint`, `key-windows`, `dedup`, ...). */
  byKind: Record<string, number>;
  /**
   * Write request units by DynamoDB's pricing rules: a transactional write
   * costs 2 units per started KB of the item. Estimated from the items'
   * sizes, because DynamoDB Local does not report transactional capacity
   * correctly (it reported 8 units for 103 transactional items).
   */
  writeUnits: number;
}

/** DynamoDB's item size: attribute names plus values (numbers by their digits, roughly). */
function itemBytes(item: Record<string, { S?: string; N?: string; M?: object; L?: object; BOOL?: boolean; NULL?: boolean } | undefined>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (value?.S !== undefined) bytes += Buffer.byteLength(value.S);
    else if (value?.N !== undefined) bytes += Math.ceil(value.N.length / 2) + 1;
    else bytes += Buffer.byteLength(JSON.stringify(value ?? null));
  }
  return bytes;
}

/** Counts what a client writes, at the SDK's middleware (after marshalling), per request and per item. */
export function countWrites(client: DynamoDBClient): WriteCount {
  const count: WriteCount = { requests: 0, items: 0, byKind: {}, writeUnits: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'TransactWriteItemsCommand') {
        const items = (args.input as { TransactItems?: Array<{ Put?: { Item?: Record<string, { S?: string }> }; Delete?: unknown }> }).TransactItems ?? [];
        count.requests += 1;
        count.items += items.length;
        for (const item of items) {
          const kind = item.Put?.Item?.kind?.S ?? 'delete';
          count.byKind[kind] = (count.byKind[kind] ?? 0) + 1;
          count.writeUnits += 2 * Math.max(1, Math.ceil(itemBytes(item.Put?.Item ?? {}) / 1024));
        }
      }
      return result;
    },
    { step: 'serialize', name: 'countWrites', override: true },
  );
  return count;
}
