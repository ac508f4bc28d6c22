import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts every write a DynamoDB client sends, at the SDK's middleware, so a
 * library's own writes (Powertools' idempotency records, the engine's
 * transactions) are counted the same way as the caller's. Write units follow
 * DynamoDB's pricing: a standard write costs 1 unit per started KB of the
 * item, a transactional one 2. They are worked out from item sizes, because
 * DynamoDB Local does not report transactional capacity correctly.
 */

export interface OperationTally {
  requests: number;
  items: number;
  writeUnits: number;
}

export interface WriteTally extends OperationTally {
  /** Requests that failed (a failed conditional write still costs units on DynamoDB; none are expected here). */
  failedRequests: number;
  /** Units of writes to global secondary indexes, which DynamoDB bills beside the table's. Included in `writeUnits`. */
  indexWriteUnits: number;
  /** By API operation: `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`, `TransactWriteItems`. */
  readonly byOperation: Record<string, OperationTally>;
  /** Items written by table. */
  readonly byTable: Record<string, number>;
  /** Items written by the value of `kindAttribute` (e.g. the engine's `kind`), `other` without one. */
  readonly byKind: Record<string, number>;
  /** Items written by the view `viewOf` names; items of no view are not in it. */
  readonly byView: Record<string, number>;
}

/** A global secondary index with KEYS_ONLY projection: an index write happens when an item enters, leaves or moves in it. */
export interface CountedIndex {
  readonly table: string;
  /** The table's key attributes, which identify an item. */
  readonly tableKey: readonly string[];
  /** The index's key attributes; an item is in the index when it has all of them. */
  readonly indexKey: readonly string[];
}

export interface CountWritesOptions {
  /** Attribute whose string value classifies items in `byKind`. @default none */
  readonly kindAttribute?: string;
  /** The view an item (or, for a delete, its key) belongs to, if any. @default none */
  readonly viewOf?: (item: Item) => string | undefined;
  readonly indexes?: readonly CountedIndex[];
}

type Item = Record<string, AttributeValue>;

const KB = 1024;
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

/** Bytes of an attribute value by DynamoDB's item-size rules (numbers approximated by their digits). */
function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + Buffer.byteLength(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + Math.ceil(s.length / 2) + 1, 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.byteLength, 0);
  // Maps and lists: 3 bytes of overhead plus 1 per element.
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueBytes(v), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueBytes(v), 0);
  return 0;
}

export function itemBytes(item: Item): number {
  return Object.entries(item).reduce((n, [name, value]) => n + Buffer.byteLength(name) + valueBytes(value), 0);
}

const unitsOf = (bytes: number, perKb: number): number => perKb * Math.max(1, Math.ceil(bytes / KB));

interface PutLike {
  readonly TableName?: string;
  readonly Item?: Item;
  readonly Key?: Item;
}

/** Attaches the counter to `client` and returns the tally it keeps up to date. */
export function countDynamoDbWrites(client: DynamoDBClient, options: CountWritesOptions = {}): WriteTally {
  const tally: WriteTally = { requests: 0, items: 0, writeUnits: 0, failedRequests: 0, indexWriteUnits: 0, byOperation: {}, byTable: {}, byKind: {}, byView: {} };
  // Where each indexed item sits in its index now, by table and item key: all writes to the table go through this client.
  const indexed = new Map<string, string | undefined>();

  const index = (table: string | undefined): CountedIndex | undefined => options.indexes?.find((i) => i.table === table);
  const keyOf = (spec: readonly string[], item: Item): string | undefined => {
    const parts = spec.map((a) => item[a]);
    return parts.every((p) => p !== undefined) ? JSON.stringify(parts) : undefined;
  };
  /** Index write units for an item that now is `after` (or deleted), from where it sat before. */
  const indexUnits = (table: string | undefined, key: Item | undefined, after: Item | undefined): number => {
    const spec = index(table);
    if (spec === undefined || key === undefined) return 0;
    const id = `${table}\u0000${keyOf(spec.tableKey, key)}`;
    const before = indexed.get(id);
    const now = after === undefined ? undefined : keyOf(spec.indexKey, after);
    indexed.set(id, now);
    // KEYS_ONLY index items are far below 1 KB: one unit per index write; a move is a delete and a put.
    if (before === now) return 0;
    return before !== undefined && now !== undefined ? 2 : 1;
  };
  const record = (operation: string, table: string | undefined, item: Item | undefined, units: number): void => {
    const op = (tally.byOperation[operation] ??= { requests: 0, items: 0, writeUnits: 0 });
    op.items += 1;
    op.writeUnits += units;
    tally.items += 1;
    tally.writeUnits += units;
    const t = table ?? 'unknown';
    tally.byTable[t] = (tally.byTable[t] ?? 0) + 1;
    const kind = (options.kindAttribute === undefined ? undefined : item?.[options.kindAttribute]?.S) ?? 'other';
    tally.byKind[kind] = (tally.byKind[kind] ?? 0) + 1;
    const view = item === undefined ? undefined : options.viewOf?.(item);
    if (view !== undefined) tally.byView[view] = (tally.byView[view] ?? 0) + 1;
  };
  const addIndexUnits = (operation: string, units: number): void => {
    tally.indexWriteUnits += units;
    tally.writeUnits += units;
    const op = tally.byOperation[operation];
    if (op !== undefined) op.writeUnits += units;
  };
  const keyFromItem = (table: string | undefined, item: Item): Item | undefined => {
    const spec = index(table);
    return spec === undefined ? undefined : Object.fromEntries(spec.tableKey.map((a) => [a, item[a] as AttributeValue]));
  };

  // Sizing an UpdateItem or DeleteItem needs the item itself: ask for it in
  // the response. That changes only what comes back, not what is written.
  client.middlewareStack.add(
    (next, context) => (args) => {
      const input = args.input as { ReturnValues?: string };
      if (context.commandName === 'UpdateItemCommand' && (input.ReturnValues ?? 'NONE') === 'NONE') input.ReturnValues = 'ALL_NEW';
      if (context.commandName === 'DeleteItemCommand' && (input.ReturnValues ?? 'NONE') === 'NONE') input.ReturnValues = 'ALL_OLD';
      return next(args);
    },
    { step: 'initialize', name: 'benchSizeWrites', override: true },
  );

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!WRITES.has(command)) return next(args);
      const operation = command.replace(/Command$/, '');
      tally.requests += 1;
      (tally.byOperation[operation] ??= { requests: 0, items: 0, writeUnits: 0 }).requests += 1;
      let result;
      try {
        result = await next(args);
      } catch (error) {
        tally.failedRequests += 1;
        throw error;
      }
      const output = result.output as { Attributes?: Item; UnprocessedItems?: Record<string, unknown[]> };
      if (command === 'PutItemCommand') {
        const put = args.input as PutLike;
        const item = put.Item ?? {};
        record(operation, put.TableName, item, unitsOf(itemBytes(item), 1));
        addIndexUnits(operation, indexUnits(put.TableName, keyFromItem(put.TableName, item), item));
      } else if (command === 'UpdateItemCommand' || command === 'DeleteItemCommand') {
        const input = args.input as PutLike & { ReturnValues?: string };
        // With ALL_NEW (update) or ALL_OLD (delete) the response holds the item; otherwise its key is all there is to size.
        const sized = output.Attributes ?? input.Key ?? {};
        record(operation, input.TableName, sized, unitsOf(itemBytes(sized), 1));
        if (command === 'DeleteItemCommand') addIndexUnits(operation, indexUnits(input.TableName, input.Key, undefined));
        else if (input.ReturnValues === 'ALL_NEW') addIndexUnits(operation, indexUnits(input.TableName, input.Key, output.Attributes));
      } else if (command === 'BatchWriteItemCommand') {
        const requests = (args.input as { RequestItems?: Record<string, Array<{ PutRequest?: { Item?: Item }; DeleteRequest?: { Key?: Item } }>> }).RequestItems ?? {};
        for (const [table, writes] of Object.entries(requests)) {
          // Unprocessed writes were not made; the caller sends them again in another request, counted then.
          const unprocessed = new Set((output.UnprocessedItems?.[table] ?? []).map((w) => JSON.stringify(w)));
          for (const write of writes) {
            if (unprocessed.has(JSON.stringify(write))) continue;
            const item = write.PutRequest?.Item;
            const written = item ?? write.DeleteRequest?.Key;
            record(operation, table, written, unitsOf(itemBytes(written ?? {}), 1));
            addIndexUnits(operation, indexUnits(table, item === undefined ? write.DeleteRequest?.Key : keyFromItem(table, item), item));
          }
        }
      } else {
        const items = (args.input as { TransactItems?: Array<{ Put?: PutLike; Update?: PutLike; Delete?: PutLike; ConditionCheck?: PutLike }> }).TransactItems ?? [];
        for (const entry of items) {
          // A condition check is billed as a read, not a write.
          if (entry.ConditionCheck !== undefined) continue;
          const part = entry.Put ?? entry.Update ?? entry.Delete ?? {};
          // Updates and deletes in a transaction cannot return the item: sized by their key (a lower bound).
          const item = part.Item ?? part.Key ?? {};
          record(operation, part.TableName, item, unitsOf(itemBytes(item), 2));
          // Where an update leaves the item in an index is unknown without the item: not counted.
          if (entry.Put !== undefined) addIndexUnits(operation, indexUnits(part.TableName, keyFromItem(part.TableName, item), item));
          else if (entry.Delete !== undefined) addIndexUnits(operation, indexUnits(part.TableName, part.Key, undefined));
        }
      }
      return result;
    },
    { step: 'serialize', name: 'benchCountWrites', override: true },
  );
  return tally;
}
