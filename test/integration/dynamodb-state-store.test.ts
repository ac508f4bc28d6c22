import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { describeStateStoreContract } from '../helpers/state-store-contract.js';

describeStateStoreContract('DynamoDbStateStore on DynamoDB Local', async () => {
  const client = dynamoDbClient();
  const tableName = uniqueTableName('contract');
  await createStateTable(client, tableName);
  return new DynamoDbStateStore({ client, tableName });
});
