import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../scripts/devstack/dynamodb-local.js';

export { OPEN_WINDOWS_INDEX } from '../../functions/core/state/table-layout.js';
export { TTL_ATTRIBUTE } from '../../functions/core/state/table-layout.js';

/** A client for the DynamoDB Local that test/integration/global-setup.ts started. */
export function dynamoDbClient(): DynamoDBClient {
  // One attempt: a retry would hide a failure the test is about (and DynamoDB Local does not throttle).
  // A request the server never answers fails after 30 s, as a network error the engine retries, rather than hanging the suite.
  return new DynamoDBClient({ endpoint: inject('dynamodbEndpoint'), region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1, requestHandler: { requestTimeout: 30_000 } });
}

/** A table name no other test (or earlier run against a persistent server) uses. */
export function uniqueTableName(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A processor table exactly as the state store adapter creates it. */
export const createTestTable = createStateTable;

export async function deleteTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(new DeleteTableCommand({ TableName: name }));
}
