import { describe, expect, it } from 'vitest';
import { countDynamoDbWrites, type WriteTally } from '../../bench/request-counter.js';
import { defineProcessor, type Aggregate } from '../../functions/core/engine/definition.js';
import { executePartition } from '../../functions/core/engine/partition-executor.js';
import type { DecodedRecord } from '../../functions/core/processing/partition-contract.js';
import { DynamoDbStateStore } from '../../functions/core/state/dynamodb-state-store.js';
import { createStateTable } from '../../functions/core/state/dynamodb-state-table.js';
import { dynamoDbClient, uniqueTableName } from '../helpers/dynamodb-local.js';
import { kafkaRecord } from '../helpers/kafka-events.js';
import { recordCost, type WriteCount } from './harness/report.js';

interface Sale {
  readonly event_id: string;
  readonly store_id: string;
  readonly occurred_at: number;
  readonly total: number;
}

interface Revenue {
  readonly revenue: number;
  readonly orders: number;
}

const RECORDS = 1_000;
const BATCH = 500;
const KEYS = 50;

function sales(): DecodedRecord[] {
  return Array.from({ length: RECORDS }, (_, offset) => {
    // 50 ms apart from a minute's start: every record falls in one 1-minute window.
    const value: Sale = { event_id: `evt-${offset}`, store_id: `store-${offset % KEYS}`, occurred_at: 1_767_225_600_000 + offset * 50, total: 10 + (offset % 7) };
    const source = kafkaRecord({ topic: 'orders', offset, value: Buffer.from(JSON.stringify(value)) });
    return { topic: 'orders', partition: 0, offset, timestamp: source.timestamp, key: null, headers: [], format: 'json', value, source };
  });
}

const revenue: Aggregate<Sale, Revenue> = { initial: () => ({ revenue: 0, orders: 0 }), add: (a, v) => ({ revenue: a.revenue + v.total, orders: a.orders + 1 }) };

async function measure(options: { dedup: boolean; merge: boolean }): Promise<WriteCount> {
  const client = dynamoDbClient();
  const tableName = uniqueTableName('cost');
  await createStateTable(client, tableName);
  const tally: WriteTally = countDynamoDbWrites(client, { kindAttribute: 'kind' });
  const definition = defineProcessor<Sale>({
    name: 'cost',
    input: { topics: [{ name: 'orders', partitions: 1 }] },
    eventTime: (v) => v.occurred_at,
    ...(options.dedup ? { dedup: { eventId: (v: Sale) => v.event_id, horizonMs: 86_400_000 } } : {}),
    views: [
      {
        kind: 'window',
        name: 'revenue',
        key: (v) => v.store_id,
        window: { type: 'tumbling', sizeMs: 60_000 },
        aggregate: options.merge ? { ...revenue, merge: (a: Revenue, b: Revenue) => ({ revenue: a.revenue + b.revenue, orders: a.orders + b.orders }) } : revenue,
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
  client.destroy();
  return { requests: tally.requests, items: tally.items, writeUnits: tally.writeUnits, byKind: { ...tally.byKind } };
}

describe('DynamoDB writes per 1,000 records (500-record batches over 50 keys, one partition)', () => {
  it('costs one item per touched key in a transaction per batch for a view kept per key, and a pane and a checkpoint per batch for a view kept in panes', async () => {
    // Prepare / Act
    const perKey = await measure({ dedup: false, merge: false });
    const perKeyWithDedup = await measure({ dedup: true, merge: false });
    const panesWithDedup = await measure({ dedup: true, merge: true });

    // Assess
    recordCost({ perKey, perKeyWithDedup, panesWithDedup, records: RECORDS });
    // One transaction per batch: one item per touched key, the checkpoint, and the meta item once.
    expect(perKey).toMatchObject({ requests: 2, items: 103, byKind: { 'key-windows': 100, checkpoint: 2, meta: 1 } });
    // Per-key dedup adds exactly one marker per event; the 100-item limit then splits each batch into several transactions.
    expect(perKeyWithDedup.byKind.dedup).toBe(RECORDS);
    expect(perKeyWithDedup.requests).toBe(Math.ceil(RECORDS / BATCH) * Math.ceil(BATCH / (98 - KEYS)));
    // Panes: per batch the partition's one pane of the minute (holding its keys and its event ids) and the checkpoint
    // (with the meta item, in one transaction, the first time; alone, a plain write, after that). No marker per event.
    expect(panesWithDedup).toMatchObject({ requests: 4, items: 5, byKind: { 'window-pane': 2, checkpoint: 2, meta: 1 } });
    expect(panesWithDedup.byKind.dedup).toBeUndefined();
    expect(panesWithDedup.writeUnits).toBeLessThan(perKeyWithDedup.writeUnits / 20);
  });
});
