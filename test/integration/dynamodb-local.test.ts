// What the exactly-once engine relies on from DynamoDB (ARCHITECTURE.md §4),
// proved against DynamoDB Local: if an upgrade of Local changes any of it, the
// engine's integration tests would stop meaning what they say, and this file
// is where that shows first.
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught } from '../helpers/caught.js';
import { createTestTable, deleteTable, dynamoDbClient, OPEN_WINDOWS_INDEX, TTL_ATTRIBUTE, uniqueTableName } from '../helpers/dynamodb-local.js';

const NOT_YET_WRITTEN = 'attribute_not_exists(pk)';

let client: DynamoDBClient;
let table: string;

beforeAll(async () => {
  client = dynamoDbClient();
  table = uniqueTableName('ddb-local');
  await createTestTable(client, table);
});

afterAll(async () => {
  await deleteTable(client, table);
  client.destroy();
});

function key(pk: string, sk = 'state'): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { S: sk } };
}

function put(pk: string, extra: Record<string, AttributeValue> = {}, conditionExpression?: string): TransactWriteItem {
  return { Put: { TableName: table, Item: { ...key(pk), ...extra }, ConditionExpression: conditionExpression } };
}

async function getItem(pk: string): Promise<Record<string, AttributeValue> | undefined> {
  return (await client.send(new GetItemCommand({ TableName: table, Key: key(pk), ConsistentRead: true }))).Item;
}

describe('DynamoDB Local', () => {
  it('rejects a conditional Put whose condition fails with ConditionalCheckFailedException, returning the old item on request', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key('cond'), offset: { N: '7' } } }));

    const error = await caught(
      client.send(new PutItemCommand({ TableName: table, Item: { ...key('cond'), offset: { N: '8' } }, ConditionExpression: NOT_YET_WRITTEN, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })),
    );

    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toEqual({ ...key('cond'), offset: { N: '7' } });
    expect(await getItem('cond')).toEqual({ ...key('cond'), offset: { N: '7' } });
  });

  it('cancels a whole transaction when one condition fails, with one reason per item in request order', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key('tx-checkpoint'), offset: { N: '41' } } }));

    const error = await caught(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            put('tx-a', { count: { N: '1' } }),
            {
              Update: {
                TableName: table,
                Key: key('tx-checkpoint'),
                UpdateExpression: 'SET #offset = :next',
                ConditionExpression: '#offset = :expected',
                ExpressionAttributeNames: { '#offset': 'offset' },
                ExpressionAttributeValues: { ':next': { N: '50' }, ':expected': { N: '40' } },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            put('tx-b', { count: { N: '1' } }),
          ],
        }),
      ),
    );

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reasons = (error as TransactionCanceledException).CancellationReasons ?? [];
    expect(reasons.map((r) => r.Code)).toEqual(['None', 'ConditionalCheckFailed', 'None']);
    expect(reasons[1]?.Item).toEqual({ ...key('tx-checkpoint'), offset: { N: '41' } });
    expect(await getItem('tx-a')).toBeUndefined();
    expect(await getItem('tx-b')).toBeUndefined();
    expect(await getItem('tx-checkpoint')).toEqual({ ...key('tx-checkpoint'), offset: { N: '41' } });
  });

  it('accepts a transaction of 100 items and rejects 101 with a ValidationException before writing anything', async () => {
    const items = (count: number, prefix: string): TransactWriteItem[] => Array.from({ length: count }, (_, i) => put(`${prefix}-${i}`));

    await client.send(new TransactWriteItemsCommand({ TransactItems: items(100, 'hundred') }));
    const error = await caught(client.send(new TransactWriteItemsCommand({ TransactItems: items(101, 'hundred-one') })));

    expect(await getItem('hundred-99')).toBeDefined();
    expect(error).toMatchObject({ name: 'ValidationException' });
    expect((error as Error).message).toMatch(/100/);
    expect(await getItem('hundred-one-0')).toBeUndefined();
  });

  it('applies a repeated TransactWriteItems with the same ClientRequestToken only once, and refuses the token for a different request', async () => {
    const increment = (by: number): TransactWriteItemsCommand =>
      new TransactWriteItemsCommand({
        ClientRequestToken: 'batch-7-chunk-0',
        TransactItems: [{ Update: { TableName: table, Key: key('idempotent'), UpdateExpression: 'ADD #count :by', ExpressionAttributeNames: { '#count': 'count' }, ExpressionAttributeValues: { ':by': { N: String(by) } } } }],
      });

    await client.send(increment(1));
    await client.send(increment(1));
    const mismatch = await caught(client.send(increment(5)));

    expect((await getItem('idempotent'))?.count).toEqual({ N: '1' });
    expect(mismatch).toMatchObject({ name: 'IdempotentParameterMismatchException' });
  });

  it('keeps only items with openShard in the sparse index, and drops an item from it when the attribute is removed', async () => {
    const window = (pk: string, closesAt: number, open: boolean): Record<string, AttributeValue> => ({
      ...key(pk),
      closesAt: { N: String(closesAt) },
      ...(open ? { openShard: { S: 'open#0' } } : {}),
    });
    for (const item of [window('w-1', 1_000, true), window('w-2', 2_000, true), window('w-closed', 500, false)]) {
      await client.send(new PutItemCommand({ TableName: table, Item: item }));
    }
    const openWindows = async (): Promise<string[]> => {
      const result = await client.send(
        new QueryCommand({ TableName: table, IndexName: OPEN_WINDOWS_INDEX, KeyConditionExpression: 'openShard = :shard AND closesAt <= :now', ExpressionAttributeValues: { ':shard': { S: 'open#0' }, ':now': { N: '5000' } } }),
      );
      return (result.Items ?? []).map((item) => item.pk?.S ?? '?');
    };

    expect(await openWindows()).toEqual(['w-1', 'w-2']);
    await client.send(new UpdateItemCommand({ TableName: table, Key: key('w-1'), UpdateExpression: 'SET #final = :yes REMOVE openShard', ExpressionAttributeNames: { '#final': 'final' }, ExpressionAttributeValues: { ':yes': { BOOL: true } } }));
    expect(await openWindows()).toEqual(['w-2']);
  });

  it('reads its own writes with a consistent BatchGetItem', async () => {
    await client.send(new TransactWriteItemsCommand({ TransactItems: [put('batch-a', { v: { N: '1' } }), put('batch-b', { v: { N: '2' } })] }));

    const result = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: [key('batch-a'), key('batch-b'), key('batch-missing')], ConsistentRead: true } } }));

    const values = (result.Responses?.[table] ?? []).map((item) => [item.pk?.S, item.v?.N]).sort();
    expect(values).toEqual([
      ['batch-a', '1'],
      ['batch-b', '2'],
    ]);
    expect(result.UnprocessedKeys ?? {}).toEqual({});
  });

  // Local accepts the setting but was not seen deleting expired items; the real
  // service takes up to days. Either way, readers must treat expired items as absent.
  it('enables TTL on expiresAt', async () => {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));

    expect(ttl.TimeToLiveDescription).toEqual({ AttributeName: TTL_ATTRIBUTE, TimeToLiveStatus: 'ENABLED' });
  });
});
