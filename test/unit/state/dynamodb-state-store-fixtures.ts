/**
 * Fixtures of the DynamoDB state store's tests (dynamodb-state-store*.test.ts):
 * the document client mocked (each test file resets it before each test),
 * state bodies, the errors DynamoDB throws, and a table behind the mock.
 */
import { DynamoDBClient, DynamoDBServiceException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandInput, DynamoDBDocumentClient, PutCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbStateStore, type DynamoDbStateStoreProps } from '../../../functions/core/state/dynamodb-state-store.js';
import type { CheckpointBody, DedupBody, KeyWindowsBody } from '../../../functions/core/state/state-items.js';
import type { ItemWrite } from '../../../functions/core/state/state-store.js';
import { idKey, type ItemId, itemIds } from '../../../functions/core/state/table-layout.js';

export const TABLE = 'orders-state';
// The adapter wraps this client with DynamoDBDocumentClient.from(); mocking the class stubs that instance too.
export const ddbMock = mockClient(DynamoDBDocumentClient);
const client = new DynamoDBClient({ region: 'eu-west-1' });
const noSleep = (): Promise<void> => Promise.resolve();

export const checkpoint = (partition: number, offset = 10): CheckpointBody => ({ kind: 'checkpoint', topic: 'orders', partition, offset, maxEventTime: 1_000, lastActivityAt: 5 });
export const keyWindows = (key: string): KeyWindowsBody => ({ kind: 'key-windows', view: 'revenue', key, windows: [{ start: 0, end: 60_000, acc: { total: 1.5 }, count: 1 }], closedThrough: null });
export const dedupOf = (eventId: string): DedupBody => ({ kind: 'dedup', eventId, expiresAt: 2_000_000_000 });

export function storeWith(props: Partial<DynamoDbStateStoreProps> = {}): DynamoDbStateStore {
  return new DynamoDbStateStore({ client, tableName: TABLE, sleep: noSleep, ...props });
}

/** As the SDK deserializes it: one reason per TransactItem, in request order. */
export function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400, requestId: 'req-1' },
    CancellationReasons: codes.map((Code) => (Code === 'None' ? { Code } : { Code, Message: `${Code} on this item` })),
  });
}

export function serviceError(name: string, message: string, httpStatusCode = 400): DynamoDBServiceException {
  return new DynamoDBServiceException({ name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode }, message });
}

export const put = (n: number, expectedRev = 0): ItemWrite => ({ id: itemIds.checkpoint('orders', n), expectedRev, body: checkpoint(n) });

export function transactItems(): NonNullable<TransactWriteCommandInput['TransactItems']> {
  return ddbMock.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
}

export function requestedKeys(): Array<Array<Record<string, unknown>>> {
  return ddbMock.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys ?? []);
}

/** A table behind the document client mock: TransactWrite stores items as DynamoDB would, BatchGet reads them back. */
export function fakeTable(options: { unprocessedFirst?: number } = {}): Map<string, Record<string, unknown>> {
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
