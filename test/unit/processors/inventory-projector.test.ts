import { describe, expect, it } from 'vitest';
import { UNAVAILABLE_VALUE_PLACEHOLDER } from '../../../functions/core/cdc/debezium.js';
import { inventoryProjector } from '../../../functions/inventory-projector/definition.js';
import { EngineHarness } from '../../helpers/engine-harness.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';

interface Movement {
  readonly movement_id: number;
  readonly sku: string;
  readonly location_id: string;
  readonly quantity_delta: number;
  readonly movement_type?: string;
}

const row = (m: Movement) => ({ movement_type: 'SALE', channel: 'pos', occurred_at: 1_767_225_600_000, ...m });

/** A Debezium Postgres change event as JsonConverter writes it with schemas disabled. */
function change(op: 'c' | 'u' | 'd' | 'r', lsn: number, before: Movement | null, after: Movement | Record<string, unknown> | null) {
  return {
    before: before === null ? null : { movement_id: before.movement_id },
    after: after === null ? null : 'sku' in after ? row(after as Movement) : after,
    source: { version: '3.1.0.Final', connector: 'postgresql', name: 'retail', ts_ms: 1_767_225_600_000 + lsn, snapshot: op === 'r' ? 'true' : 'false', db: 'retail', schema: 'public', table: 'stock_movements', txId: 700 + lsn, lsn },
    op,
    ts_ms: 1_767_225_600_500 + lsn,
  };
}

const records = (values: unknown[]) => values.map((v, offset) => kafkaRecord({ topic: 'stock-movements', offset, value: v === null ? null : Buffer.from(JSON.stringify(v)) }));

function stock(harness: EngineHarness): Record<string, number> {
  return Object.fromEntries(harness.items('rollup').map((r) => [r.group, r.measures.quantity ?? 0]));
}

describe('inventory-projector', () => {
  it('keeps stock per SKU and location through inserts, updates, deletes, tombstones and stale replays', async () => {
    // Prepare
    const harness = new EngineHarness(inventoryProjector({ partitions: 1 }));
    const events = [
      change('c', 100, null, { movement_id: 1, sku: 'SKU-1', location_id: 'store-1', quantity_delta: 10 }),
      change('c', 110, null, { movement_id: 2, sku: 'SKU-1', location_id: 'store-1', quantity_delta: -3 }),
      change('c', 120, null, { movement_id: 3, sku: 'SKU-2', location_id: 'store-1', quantity_delta: 5 }),
      change('u', 130, { movement_id: 2, sku: 'SKU-1', location_id: 'store-1', quantity_delta: -3 }, { movement_id: 2, sku: 'SKU-1', location_id: 'store-1', quantity_delta: -4 }),
      change('d', 140, { movement_id: 1, sku: 'SKU-1', location_id: 'store-1', quantity_delta: 10 }, null),
      null, // the tombstone after the delete
      change('c', 110, null, { movement_id: 2, sku: 'SKU-1', location_id: 'store-1', quantity_delta: -3 }), // a replay of an older change
      change('c', 100, null, { movement_id: 1, sku: 'SKU-1', location_id: 'store-1', quantity_delta: 10 }), // cannot resurrect the deleted row
      change('u', 150, null, { movement_id: 3, sku: 'SKU-2', location_id: 'store-2', quantity_delta: 5 }), // moved to another store
      change('r', 160, null, { movement_id: 3, sku: 'SKU-2', location_id: 'store-2', quantity_delta: 5 }), // a re-snapshot changes nothing
    ];

    // Act: delivered twice, as after a failed invocation
    await harness.deliver(records(events));
    await harness.deliver(records(events));

    // Assess
    expect(stock(harness)).toEqual({ '["SKU-1","store-1"]': -4, '["SKU-2","store-1"]': 0, '["SKU-2","store-2"]': 5 });
    const tombstone = harness.items('projection').find((p) => p.key === '["1"]');
    expect(tombstone).toMatchObject({ row: null, position: '140' });
    expect(harness.deadLetters.letters).toEqual([]);
  });

  it('keeps a column the source could not send (an unchanged TOAST value)', async () => {
    const harness = new EngineHarness(inventoryProjector({ partitions: 1 }));
    await harness.deliver(
      records([
        change('c', 100, null, { movement_id: 7, sku: 'SKU-9', location_id: 'web', quantity_delta: 2, movement_type: 'RECEIPT' }),
        change('u', 110, null, { ...row({ movement_id: 7, sku: 'SKU-9', location_id: 'web', quantity_delta: 3 }), movement_type: UNAVAILABLE_VALUE_PLACEHOLDER }),
      ]),
    );
    const projected = harness.items('projection').find((p) => p.key === '["7"]');
    expect(projected?.row).toMatchObject({ quantity_delta: 3, movement_type: 'RECEIPT' });
    expect(stock(harness)).toEqual({ '["SKU-9","web"]': 3 });
  });

  it('dead-letters a change it cannot apply (a truncate) with its payload, and goes on', async () => {
    const harness = new EngineHarness(inventoryProjector({ partitions: 1 }));
    const truncate = { ...change('c', 200, null, null), op: 't', after: null };
    const response = await harness.deliver(records([truncate, change('c', 210, null, { movement_id: 9, sku: 'SKU-1', location_id: 'store-1', quantity_delta: 1 })]));
    expect(response.batchItemFailures).toEqual([]);
    expect(harness.deadLetters.letters.map((l) => [l.offset, l.reason, l.error.name])).toEqual([[0, 'PROCESSING_ERROR', 'ChangeEventError']]);
    expect(stock(harness)).toEqual({ '["SKU-1","store-1"]': 1 });
  });
});
