import { describe, expect, it } from 'vitest';
import { defineProcessor } from '../../functions/core/engine/definition.js';
import { executePartition } from '../../functions/core/engine/partition-executor.js';
import type { DecodedRecord } from '../../functions/core/handler/decoded-record.js';
import { createStateTable, DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store-client.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { kafkaRecord } from '../helpers/kafka-events.js';
import { recordCost } from './harness/report.js';
import { countWrites, type WriteCount } from './harness/write-counter.js';

interface Sale {
  readonly event_id: string;
  readonly store_id: string;
  readonly occurred_at: number;
  readonly total: number;
}

const RECORDS = 1_000;
const BATCH = 500;
const KEYS = 50;

function sales(): DecodedRecord[] {
  return Array.from({ length: RECORDS }, (_, offset) => {
    const value: Sale = { event_id: `evt-${offset}`, store_id: `store-${offset % KEYS}`, occurred_at: 1_767_225_600_000 + offset * 50, total: 10 + (offset % 7) };
    const source = kafkaRecord({ topic: 'orders', offset, value: Buffer.from(JSON.stringify(value)) });
    return { topic: 'orders', partition: 0, offset, timestamp: source.timestamp, key: null, headers: [], format: 'json', value, source };
  });
}

async function measure(dedup: boolean): Promise<WriteCount> {
  const client = dynamoDbClient();
  const tableName = uniqueTableName('cost');
  await createStateTable(client, tableName);
  const count = countWrites(client);
  const definition = defineProcessor<Sale>({
    name: 'cost',
    input: { topics: [{ name: 'orders', partitions: 1 }] },
    eventTime: (v) => v.occurred_at,
    ...(dedup ? { dedup: { eventId: (v: Sale) => v.event_id, horizonMs: 86_400_000 } } : {}),
    views: [
      {
        kind: 'window',
        name: 'revenue',
        key: (v) => v.store_id,
        window: { type: 'tumbling', sizeMs: 60_000 },
        aggregate: { initial: () => ({ revenue: 0, orders: 0 }), add: (a: { revenue: number; orders: number }, v) => ({ revenue: a.revenue + v.total, orders: a.orders + 1 }) },
      },
    ],
  });
  const records = sales();
  const store = new DynamoDbStateStore({ client, tableName });
  for (let from = 0; from < RECORDS; from += BATCH) {
    const batch = records.slice(from, from + BATCH);
    const result = await executePartition(
      { topic: 'orders', partition: 0, topicPartition: 'orders-0', records: batch, poisonRecords: [], lastOffset: from + BATCH - 1, deadLetter: () => Promise.resolve() },
      { definition, store },
    );
    expect(result.stats.applied).toBe(BATCH);
  }
  return count;
}

describe('DynamoDB writes per 1,000 records (500-record batches over 50 keys)', () => {
  it('costs a transaction per batch, one item per touched key, with the offset fence alone and with event-id dedup', async () => {
    // Prepare / Act
    const fenced = await measure(false);
    const withDedup = await measure(true);

    // Assess
    recordCost({ fenced, fencedWithDedup: withDedup, records: RECORDS });
    console.log(
      `DynamoDB writes per ${RECORDS} records (${BATCH}-record batches over ${KEYS} keys): ` +
        `offset fence only: ${fenced.requests} requests, ${fenced.items} items, ~${fenced.writeUnits} write units; ` +
        `with event-id dedup: ${withDedup.requests} requests, ${withDedup.items} items (${withDedup.byKind.dedup ?? 0} dedup markers), ~${withDedup.writeUnits} write units`,
    );
    // One transaction per batch: one item per touched key, the checkpoint, and the meta item once.
    expect(fenced).toMatchObject({ requests: 2, items: 103, byKind: { 'key-windows': 100, checkpoint: 2, meta: 1 } });
    // Dedup adds exactly one marker per event; the 100-item limit then splits each batch into several transactions.
    expect(withDedup.byKind.dedup).toBe(RECORDS);
    expect(withDedup.requests).toBe(Math.ceil(RECORDS / BATCH) * Math.ceil(BATCH / (98 - KEYS)));
  });
});
