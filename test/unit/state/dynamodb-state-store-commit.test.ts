import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { itemIds } from '../../../functions/core/state/table-layout.js';
import { checkpoint, ddbMock, dedupOf, keyWindows, storeWith, TABLE, transactItems } from './dynamodb-state-store-fixtures.js';

beforeEach(() => {
  ddbMock.reset();
});

describe('DynamoDbStateStore.commit', () => {
  it('makes no call for an empty commit', async () => {
    expect(await storeWith().commit([])).toEqual({ committed: true });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it('creates with attribute_not_exists(pk) and revision 1, without index or TTL attributes unless given, and commits one item with a plain PutItem', async () => {
    // Prepare
    ddbMock.on(PutCommand).resolves({});
    const id = itemIds.checkpoint('orders', 0);

    // Act
    const outcome = await storeWith().commit([{ id, expectedRev: 0, body: checkpoint(0) }]);

    // Assess: a transaction of one item would cost twice as much for the same condition
    expect(outcome).toEqual({ committed: true });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(PutCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Item: { ...checkpoint(0), pk: id.pk, sk: id.sk, rev: 1 }, ConditionExpression: 'attribute_not_exists(pk)' },
    ]);
  });

  it('reports a lost condition on a single write as a conflict on that item, and deletes a null body with DeleteItem', async () => {
    // Prepare
    ddbMock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: { httpStatusCode: 400 } }));
    ddbMock.on(DeleteCommand).resolves({});
    const id = itemIds.checkpoint('orders', 0);
    const gone = itemIds.windowPane('revenue', 60_000, 'orders', 0);

    // Act
    const outcome = await storeWith().commit([{ id, expectedRev: 2, body: checkpoint(0) }]);
    const deleted = await storeWith().write({ id: gone, expectedRev: 4, body: null });

    // Assess
    expect(outcome).toEqual({ committed: false, conflicts: [id] });
    expect(deleted).toBe(true);
    expect(ddbMock.commandCalls(DeleteCommand).map((call) => call.args[0].input)).toEqual([
      { TableName: TABLE, Key: { pk: gone.pk, sk: gone.sk }, ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': 4 } },
    ]);
  });

  it('updates on #rev = :rev, sets rev to expectedRev + 1, indexes closesAt by shard, sets expiresAt, deletes a null body', async () => {
    // Prepare
    ddbMock.on(TransactWriteCommand).resolves({});
    const windows = itemIds.keyWindows('revenue', 'store-1');
    const dedup = itemIds.dedup('evt-1');
    const gone = itemIds.projection('orders', 'o-1');
    const onRevision = (rev: number): Record<string, unknown> => ({ ConditionExpression: '#rev = :rev', ExpressionAttributeNames: { '#rev': 'rev' }, ExpressionAttributeValues: { ':rev': rev } });

    // Act
    await storeWith().commit([
      { id: windows, expectedRev: 3, body: keyWindows('store-1'), closesAt: 61_000 },
      { id: dedup, expectedRev: 0, body: dedupOf('evt-1'), expiresAt: 2_000_000_000 },
      { id: gone, expectedRev: 7, body: null },
    ]);

    // Assess: in write order, so cancellation reasons map back to writes
    const [first, second, third] = transactItems();
    expect(first).toEqual({
      // The shard: S + the first four bytes of SHA-256 of 'KW#revenue#store-1' (3c6a8cf6) mod 8 = S6.
      Put: { TableName: TABLE, Item: { ...keyWindows('store-1'), pk: windows.pk, sk: windows.sk, rev: 4, openShard: 'S6', closesAt: 61_000 }, ...onRevision(3) },
    });
    expect(second?.Put?.Item).toEqual({ ...dedupOf('evt-1'), pk: dedup.pk, sk: dedup.sk, rev: 1, expiresAt: 2_000_000_000 });
    expect(second?.Put?.Item).not.toHaveProperty('openShard');
    expect(second?.Put?.Item).not.toHaveProperty('closesAt');
    expect(third).toEqual({ Delete: { TableName: TABLE, Key: { pk: gone.pk, sk: gone.sk }, ...onRevision(7) } });
  });

  it('spreads the key-window items of different keys over several open-windows shards', async () => {
    // Prepare
    ddbMock.on(TransactWriteCommand).resolves({});
    const stores = ['store-1', 'store-2', 'store-3', 'store-4', 'store-5', 'store-6'];

    // Act
    await storeWith().commit(stores.map((store) => ({ id: itemIds.keyWindows('revenue', store), expectedRev: 0, body: keyWindows(store), closesAt: 61_000 })));

    // Assess: S + the first four bytes of SHA-256 of each pk, big-endian, mod 8
    // (3c6a8cf6, 6461bab5, 276889e0, dcd5a3ac, b35622c0, 92945ebc).
    const shards = transactItems().map((item) => item.Put?.Item?.openShard as unknown);
    expect(shards).toEqual(['S6', 'S5', 'S0', 'S4', 'S0', 'S4']);
    expect(new Set(shards).size).toBeGreaterThan(1);
  });
});
