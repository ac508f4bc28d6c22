import { BatchGetCommand, type BatchGetCommandInput, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { CHECKPOINT_PK, idKey, type ItemId, itemIds, OPEN_WINDOWS_INDEX } from '../../../functions/core/state/table-layout.js';
import { caught } from '../../helpers/caught.js';
import { checkpoint, ddbMock, dedupOf, fakeTable, keyWindows, requestedKeys, storeWith, TABLE } from './dynamodb-state-store-fixtures.js';

beforeEach(() => {
  ddbMock.reset();
});

describe('DynamoDbStateStore.read', () => {
  it('reads consistently in requests of at most 100 distinct keys and returns what exists by idKey', async () => {
    // Prepare
    const rows = fakeTable();
    const ids = Array.from({ length: 230 }, (_, n) => itemIds.dedup(`evt-${n}`));
    ids.forEach((id, n) => n % 2 === 0 && rows.set(idKey(id), { ...dedupOf(`evt-${n}`), pk: id.pk, sk: id.sk, rev: 1 }));

    // Act: every id asked for twice
    const found = await storeWith().read([...ids, ...ids.slice(0, 20)]);

    // Assess
    const requests = ddbMock.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]);
    expect(requests.map((request) => request?.Keys?.length)).toEqual([100, 100, 30]);
    expect(requests.every((request) => request?.ConsistentRead === true)).toBe(true);
    expect(requestedKeys().flat()).toEqual(ids.map((id) => ({ pk: id.pk, sk: id.sk })));
    expect(found.size).toBe(rows.size);
    expect(found.get(idKey(ids[4] as ItemId))).toEqual({ id: ids[4], rev: 1, body: dedupOf('evt-4') });
    expect(found.has(idKey(ids[5] as ItemId))).toBe(false);
  });

  it('re-requests exactly the unprocessed keys, after a pause, until none are left', async () => {
    // Prepare
    fakeTable({ unprocessedFirst: 3 });
    const ids = Array.from({ length: 5 }, (_, n) => itemIds.checkpoint('orders', n));
    await storeWith().commit(ids.map((id, n) => ({ id, expectedRev: 0, body: checkpoint(n) })));
    const sleeps: number[] = [];

    // Act
    const found = await storeWith({ sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }).read(ids);

    // Assess
    expect(requestedKeys()).toEqual([ids, ids.slice(0, 3)].map((keys) => keys.map((id) => ({ pk: id.pk, sk: id.sk }))));
    expect([...found.values()].map((item) => item.body)).toEqual([3, 4, 0, 1, 2].map((n) => checkpoint(n)));
    expect(sleeps).toHaveLength(1);
  });

  it('throws StateStoreUnavailableError when keys stay unprocessed for maxReadAttempts', async () => {
    // Prepare
    ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({ Responses: { [TABLE]: [] }, UnprocessedKeys: input.RequestItems }));
    const sleeps: number[] = [];

    // Act
    const thrown = await caught(storeWith({ maxReadAttempts: 3, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }).read([itemIds.meta()]));

    // Assess
    expect(thrown).toBeInstanceOf(StateStoreUnavailableError);
    expect((thrown as Error).message).toContain('1 keys');
    expect(ddbMock.commandCalls(BatchGetCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('returns bodies as written, without pk, sk, rev, openShard or closesAt', async () => {
    // Prepare
    const rows = fakeTable();
    const id = itemIds.keyWindows('revenue', 'store-1');
    await storeWith().commit([{ id, expectedRev: 0, body: keyWindows('store-1'), closesAt: 61_000 }]);

    // Act
    const found = await storeWith().read([id]);

    // Assess
    expect(rows.get(idKey(id))).toMatchObject({ pk: id.pk, sk: id.sk, rev: 1, openShard: 'S6', closesAt: 61_000 });
    expect(found.get(idKey(id))).toEqual({ id, rev: 1, body: keyWindows('store-1') });
  });
});

describe('DynamoDbStateStore.listCheckpoints', () => {
  it('pages through LastEvaluatedKey and returns every checkpoint', async () => {
    // Prepare
    const stored = (n: number): Record<string, unknown> => ({ ...checkpoint(n), pk: CHECKPOINT_PK, sk: `orders#${n}`, rev: n + 1 });
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [stored(0), stored(1)], LastEvaluatedKey: { pk: CHECKPOINT_PK, sk: 'orders#1' } })
      .resolvesOnce({ Items: [stored(2)], LastEvaluatedKey: { pk: CHECKPOINT_PK, sk: 'orders#2' } })
      .resolvesOnce({ Items: [] });

    // Act
    const checkpoints = await storeWith().listCheckpoints();

    // Assess
    expect(checkpoints).toEqual([0, 1, 2].map((n) => ({ id: itemIds.checkpoint('orders', n), rev: n + 1, body: checkpoint(n) })));
    const inputs = ddbMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.ExclusiveStartKey)).toEqual([undefined, { pk: CHECKPOINT_PK, sk: 'orders#1' }, { pk: CHECKPOINT_PK, sk: 'orders#2' }]);
    expect(inputs[0]).toEqual({ TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': CHECKPOINT_PK }, ConsistentRead: true });
  });
});

describe('DynamoDbStateStore.findDueKeyWindows', () => {
  /** Each shard's index partition as DynamoDB returns it: due items by closesAt, at most Limit. */
  function indexShards(closesAtByShard: Readonly<Record<string, readonly number[]>>): void {
    ddbMock.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const shard = String(input.ExpressionAttributeValues?.[':shard']);
      const bound = Number(input.ExpressionAttributeValues?.[':bound']);
      const due = (closesAtByShard[shard] ?? []).filter((at) => at <= bound).sort((a, b) => a - b);
      return { Items: due.slice(0, input.Limit).map((at) => ({ pk: `KW#revenue#${shard}-${at}`, sk: 'KW', openShard: shard, closesAt: at })) };
    });
  }

  it('queries all 8 shards of the open-windows index and merges them by closesAt up to the limit', async () => {
    // Prepare
    indexShards({ S0: [500, 100], S3: [300, 50_000], S7: [200, 400] });

    // Act
    const due = await storeWith().findDueKeyWindows(10_000, 4);

    // Assess
    expect(due).toEqual(['S0-100', 'S7-200', 'S3-300', 'S7-400'].map((key) => ({ pk: `KW#revenue#${key}`, sk: 'KW' })));
    const inputs = ddbMock.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => String(input.ExpressionAttributeValues?.[':shard'])).sort()).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7']);
    for (const input of inputs) {
      expect(input).toMatchObject({ TableName: TABLE, IndexName: OPEN_WINDOWS_INDEX, KeyConditionExpression: 'openShard = :shard AND closesAt <= :bound', Limit: 4 });
      expect(input.ExpressionAttributeValues?.[':bound']).toBe(10_000);
    }
  });

  it('bounds an infinite watermark by the largest number the document client marshals', async () => {
    indexShards({ S1: [Number.MAX_SAFE_INTEGER - 1] });

    expect(await storeWith().findDueKeyWindows(Number.POSITIVE_INFINITY, 10)).toHaveLength(1);
    const bounds = ddbMock.commandCalls(QueryCommand).map((call): unknown => call.args[0].input.ExpressionAttributeValues?.[':bound']);
    expect(new Set(bounds)).toEqual(new Set([Number.MAX_SAFE_INTEGER]));
  });

  it.each([
    ['a watermark of -Infinity', Number.NEGATIVE_INFINITY, 10],
    ['a NaN watermark', Number.NaN, 10],
    ['a limit of 0', 10_000, 0],
  ])('returns nothing without querying for %s, as the in-memory store does', async (_label, closesAtOrBefore, limit) => {
    indexShards({ S0: [100] });

    expect(await storeWith().findDueKeyWindows(closesAtOrBefore, limit)).toEqual([]);
    expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
