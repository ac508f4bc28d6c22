import { afterAll, describe, expect, inject, it } from 'vitest';
import { rollupTotals } from '../../functions/core/state/rollup-totals.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../scripts/devstack/dynamodb-local.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { lambdaContext } from '../helpers/handler-harness.js';
import { kafkaRecord, mskEvent } from '../helpers/kafka-events.js';
import { stockMovementInsert } from '../helpers/debezium-stock-movement.js';


describe('the inventory-projector Lambda handler', () => {
  const savedEnvironment = { ...process.env };
  afterAll(() => {
    process.env = savedEnvironment;
  });

  it('runs from its environment alone and writes stock to its DynamoDB table, once per record', async () => {
    // Prepare: the environment a deployment gives the function, pointed at DynamoDB Local.
    const client = dynamoDbClient();
    const tableName = uniqueTableName('inventory');
    await createStateTable(client, tableName);
    Object.assign(process.env, {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      STATE_TABLE_NAME: tableName,
      INPUT_PARTITIONS: '1',
      SCHEMA_REGISTRY_NAME: 'realtime-pipeline-test',
      DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/000000000000/unused-dlq',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const { handler } = await import('../../functions/inventory-projector/handler.js');
    const event = mskEvent(
      [stockMovementInsert(100, 1, 'SKU-1', 10), stockMovementInsert(110, 2, 'SKU-1', -3), stockMovementInsert(120, 3, 'SKU-2', 4)].map((value, offset) =>
        kafkaRecord({ topic: 'stock-movements', offset, value: Buffer.from(JSON.stringify(value)) }),
      ),
    );

    // Act: the same batch twice, as after a timeout
    const first = await handler(event, lambdaContext('inventory-projector'));
    const second = await handler(event, lambdaContext('inventory-projector'));

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
    const items = await new DynamoDbStateStore({ client, tableName }).scanAll();
    const stock = Object.fromEntries([...rollupTotals(items.map((i) => i.body)).values()].map((t) => [t.group, t.measures.quantity]));
    expect(stock).toEqual({ '["SKU-1","store-1"]': 7, '["SKU-2","store-1"]': 4 });
  });
});
