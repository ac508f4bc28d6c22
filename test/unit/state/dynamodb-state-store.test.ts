import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  TransactWriteCommand,
  type BatchGetCommandInput,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore, type DynamoDbStateStoreProps } from '../../../functions/core/state/dynamodb-state-store.js';
import type { CheckpointBody, DedupBody, KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import { type ItemWrite } from '../../../functions/core/state/state-store.js';
import { StateStoreError, StateStoreErrorReason, StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import { CHECKPOINT_PK, OPEN_WINDOWS_INDEX, idKey, itemIds, type ItemId } from '../../../functions/core/state/table-layout.js';
import { caught } from '../../helpers/caught.js';

const TABLE = 'orders-state';
// The adapter wraps this client with DynamoDBDocumentClient.from(); mocking the class stubs that instance too.
const ddbMock = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({ region: 'eu-west-1' });
const noSleep = (): Promise<void> => Promise.resolve();

const checkpoint = (partition: number, offset = 10): CheckpointBody => ({ kind: 'checkpoint', topic: 'orders', partition, offset, maxEventTime: 1_000, lastActivityAt: 5 });
const keyWindows = (key: string): KeyWindowsBody => ({ kind: 'key-windows', view: 'revenue', key, windows: [{ start: 0, end: 60_000, acc: { total: 1.5 }, count: 1 }], closedThrough: null });
const dedupOf = (eventId: string): DedupBody => ({ kind: 'dedup', eventId, expiresAt: 2_000_000_000 });

function storeWith(props: Partial<DynamoDbStateStoreProps> = {}): DynamoDbStateStore {
  return new DynamoDbStateStore({ client, tableName: TABLE, sleep: noSleep, ...props });
}

/** As the SDK deserializes it: one reason per TransactItem, in request order. */
function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400, requestId: 'req-1' },
    CancellationReasons: codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: `${Code} on this item` })),
  });
}

function serviceError(name: string, message: string, httpStatusCode = 400): DynamoDBServiceException {
  return new DynamoDBServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message });
}

const put = (n: number, expectedRev = 0): ItemWrite => ({ id: itemIds.checkpoint('orders', n), expectedRev, body: checkpoint(n) });

function transactItems(): NonNullable<TransactWriteCommandInput['TransactItems']> {
  return ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
}

function requestedKeys(): Array<Array<Record<string, unknown>>> {
  return ddbMock.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys ?? []);
}

/** A table behind the document client mock: TransactWrite stores items as DynamoDB would, BatchGet reads them back. */
function fakeTable(options: { unprocessedFirst?: number } = {}): Map<string, Record<string, unknown>> {
  const rows = new Map<string, Record<string, unknown>>();
  let unprocessed = options.unprocessedFirst ?? 0;
  ddbMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    for (const item of input.TransactItems ?? []) {
      if (item.Put?.Item !== undefined) rows.set(idKey(item.Put.Item as unknown as ItemId), item.Put.Item);
    }
    return {};
  });
  ddbMock.on(PutCommand).callsFake((input: { Item?: Record<string, unknown> }) => {
    if (input.Item !== undefined) rows.set(idKey(input.Item as unknown as ItemId), input.Item);
    return {};
  });
  ddbMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const keys = (input.RequestItems?.[TABLE]?.Keys ?? []) as unknown as ItemId[];
    const served = keys.slice(unprocessed);
    const left = keys.slice(0, unprocessed);
    unprocessed = 0;
    const found = served.flatMap((key) => rows.get(idKey(key)) ?? []);
    return { Responses: { [TABLE]: found }, ...(left.length === 0 ? {} : { UnprocessedKeys: { [TABLE]: { Keys: left } } }) };
  });
  return rows;
}

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

  describe('when DynamoDB cancels the transaction', () => {
    it('reports exactly the ConditionalCheckFailed items as conflicts, in write order', async () => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed'));
      const writes = [put(0), put(1, 2), put(2), put(3, 5)];

      // Act
      const outcome = await storeWith().commit(writes);

      // Assess
      expect(outcome).toEqual({ committed: false, conflicts: [writes[1]?.id, writes[3]?.id] });
    });

    it('reports conflicts when ConditionalCheckFailed is mixed with None and TransactionConflict', async () => {
      // Prepare: the stale item will not succeed on retry without a re-read, so the conflict must win
      ddbMock.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'TransactionConflict'));
      const writes = [put(0), put(1), put(2)];

      // Act
      const outcome = await storeWith().commit(writes);

      // Assess
      expect(outcome).toEqual({ committed: false, conflicts: [writes[1]?.id] });
    });

    it.each(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'])(
      'throws StateStoreUnavailableError for %s',
      async (code) => {
        // Prepare
        const error = cancelled('None', code);
        ddbMock.on(TransactWriteCommand).rejects(error);

        // Act
        const thrown = await caught(storeWith().commit([put(0), put(1)]));

        // Assess
        expect(thrown).toBeInstanceOf(StateStoreUnavailableError);
        expect(thrown).toMatchObject({ reason: StateStoreErrorReason.UNAVAILABLE, cause: error });
        expect((thrown as Error).message).toContain(`1:${code}`);
      },
    );

    it.each(['ItemCollectionSizeLimitExceeded', 'ValidationError'])('throws StateStoreError INVALID_REQUEST for %s', async (code) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(cancelled(code, 'None'));

      // Act
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreError);
      expect(thrown).not.toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason: StateStoreErrorReason.INVALID_REQUEST });
    });
  });

  describe('when the request fails', () => {
    const unavailable: Array<[string, Error]> = [
      ['ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException({ message: 'rate exceeded', $metadata: { httpStatusCode: 400 } })],
      ['ThrottlingException', new ThrottlingException({ message: 'rate of requests exceeds the allowed throughput', $metadata: { httpStatusCode: 400 } })],
      ['RequestLimitExceeded', new RequestLimitExceeded({ message: 'account limit exceeded', $metadata: { httpStatusCode: 400 } })],
      ['InternalServerError (500)', new InternalServerError({ message: 'Internal server error', $metadata: { httpStatusCode: 500 } })],
      ['an unmodelled 503', serviceError('ServiceUnavailable', 'try again', 503)],
      ['a network error without $metadata', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ];

    it.each(unavailable)('throws StateStoreUnavailableError for %s, from a transaction or a single write', async (_label, error) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(error);
      ddbMock.on(PutCommand).rejects(error);

      // Act
      expect(await caught(storeWith().write(put(0)))).toBeInstanceOf(StateStoreUnavailableError);
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason: StateStoreErrorReason.UNAVAILABLE, cause: error });
    });

    it.each([
      ['ValidationException about item size', serviceError('ValidationException', 'Item size has exceeded the maximum allowed size'), StateStoreErrorReason.ITEM_TOO_LARGE],
      ['another ValidationException', serviceError('ValidationException', 'The provided key element does not match the schema'), StateStoreErrorReason.INVALID_REQUEST],
      // Not retryable, rightly: missing permissions do not heal within an invocation, and
      // the thrown error fails the batch for MSK to redeliver, losing nothing. The reason
      // code is what is off: an IAM mistake is not an invalid request (see the report).
      ['AccessDeniedException', serviceError('AccessDeniedException', 'not authorized to perform: dynamodb:TransactWriteItems'), StateStoreErrorReason.INVALID_REQUEST],
    ])('throws StateStoreError for %s', async (_label, error, reason) => {
      // Prepare
      ddbMock.on(TransactWriteCommand).rejects(error);
      ddbMock.on(PutCommand).rejects(error);

      // Act
      expect(await caught(storeWith().write(put(0)))).toMatchObject({ reason, cause: error });
      const thrown = await caught(storeWith().commit([put(0), put(1)]));

      // Assess
      expect(thrown).toBeInstanceOf(StateStoreError);
      expect(thrown).not.toBeInstanceOf(StateStoreUnavailableError);
      expect(thrown).toMatchObject({ reason, cause: error });
    });

    it('translates read errors the same way', async () => {
      ddbMock
        .on(BatchGetCommand)
        .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }))
        .rejectsOnce(serviceError('ResourceNotFoundException', 'Requested resource not found'));

      expect(await caught(storeWith().read([itemIds.meta()]))).toBeInstanceOf(StateStoreUnavailableError);
      expect(await caught(storeWith().read([itemIds.meta()]))).toMatchObject({ name: 'StateStoreError', reason: StateStoreErrorReason.INVALID_REQUEST });
    });
  });
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
