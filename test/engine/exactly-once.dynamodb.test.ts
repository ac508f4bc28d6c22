import { describe, it } from 'vitest';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { checkExactlyOnce } from './harness/property.js';

const RUNS = 24;

describe('exactly-once, DynamoDB Local', () => {
  it(`holds over ${RUNS} random streams with the real conditional transactions`, async () => {
    const client = dynamoDbClient();
    await checkExactlyOnce({
      suite: 'dynamodb',
      runs: RUNS,
      maxRecords: 40,
      makeStore: async () => {
        const tableName = uniqueTableName('exactly-once');
        await createStateTable(client, tableName);
        const store = new DynamoDbStateStore({ client, tableName });
        return { store, items: async () => (await store.scanAll()).map((i) => i.body) };
      },
    });
  });
});
