import { describe, expect, it } from 'vitest';
import { ChangeOperation, PositionKind } from '../../../functions/core/cdc/change-event.js';
import { fromDms } from '../../../functions/core/cdc/dms.js';
import { CdcOptionError, ChangeEventError, ChangeEventErrorReason } from '../../../functions/core/cdc/errors.js';
import { cdcFixture, cdcObjectFixture, thrown } from './fixtures.js';

const KEY_COLUMNS = ['sku', 'store_id'] as const;

function metadataOf(value: Record<string, unknown>): Record<string, unknown> {
  return value.metadata as Record<string, unknown>;
}

describe('fromDms', () => {
  it('turns an insert into an upsert positioned at its Kafka offset', () => {
    // Prepare
    const value = cdcFixture('dms/insert.json');

    // Act
    const event = fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1201 });

    // Assess
    expect(event).toEqual({
      op: ChangeOperation.UPSERT,
      key: '["SKU-1","store-7"]',
      row: { sku: 'SKU-1', store_id: 'store-7', quantity: 40, updated_at: '2024-05-06T07:08:09Z' },
      position: 1201n,
      positionKind: PositionKind.KAFKA_OFFSET,
      sourceOperation: 'insert',
      table: 'public.inventory',
      committedAt: Date.parse('2024-05-06T07:08:09.123Z'),
    });
  });

  it.each([
    ['load.json', ChangeOperation.UPSERT, 'load', '["SKU-3","store-2"]'],
    ['insert.json', ChangeOperation.UPSERT, 'insert', '["SKU-1","store-7"]'],
    ['update.json', ChangeOperation.UPSERT, 'update', '["SKU-1","store-7"]'],
    ['delete.json', ChangeOperation.DELETE, 'delete', '["SKU-2","store-7"]'],
  ])('turns %s into an %s', (file, op, sourceOperation, key) => {
    const event = fromDms(cdcFixture(`dms/${file}`), { keyColumns: KEY_COLUMNS, offset: 7n });

    expect(event).toMatchObject({ op, sourceOperation, key, position: 7n, positionKind: 'kafka-offset', table: 'public.inventory' });
  });

  it('keeps data as the before image of a delete, even when only its key columns hold values', () => {
    const event = fromDms(cdcFixture('dms/delete.json'), { keyColumns: KEY_COLUMNS, offset: 1300 });

    expect(event?.row).toEqual({ sku: 'SKU-2', store_id: 'store-7', quantity: null, updated_at: null });
    expect(event?.committedAt).toBe(Date.parse('2024-05-06T07:24:15.310Z'));
  });

  it('reports no commit time for a full-load record, which has none', () => {
    const event = fromDms(cdcFixture('dms/load.json'), { keyColumns: KEY_COLUMNS, offset: 0 });

    expect(event).toBeDefined();
    expect(event).not.toHaveProperty('committedAt');
  });

  it('skips control records', () => {
    expect(fromDms(cdcFixture('dms/control-create-table.json'), { keyColumns: KEY_COLUMNS, offset: 3 })).toBeUndefined();
  });

  it('throws UNSUPPORTED_OPERATION for a truncate control record', () => {
    const value = cdcObjectFixture('dms/control-create-table.json');
    metadataOf(value).operation = 'truncate-table';

    const error = thrown(() => fromDms(value, { keyColumns: KEY_COLUMNS, offset: 3 }));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'metadata.operation' });
    expect((error as Error).message).toMatch(/cannot be applied row by row/);
  });

  it('throws UNSUPPORTED_OPERATION when the before image shows the update changed the primary key', () => {
    const error = thrown(() => fromDms(cdcFixture('dms/update-key-change.json'), { keyColumns: KEY_COLUMNS, offset: 1250 }));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'before-image' });
  });

  it('accepts an update whose before image holds the same key, or not all of it', () => {
    const sameKey = cdcObjectFixture('dms/update-key-change.json');
    (sameKey['before-image'] as Record<string, unknown>).store_id = 'store-9';
    const partial = cdcObjectFixture('dms/update-key-change.json');
    partial['before-image'] = { sku: 'SKU-1' };

    for (const value of [sameKey, partial]) {
      expect(fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1250 })).toMatchObject({ key: '["SKU-1","store-9"]' });
    }
  });

  it('uses the table name alone when the schema name is empty', () => {
    const value = cdcObjectFixture('dms/insert.json');
    metadataOf(value)['schema-name'] = '';

    expect(fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1 })?.table).toBe('inventory');
  });

  it('orders the changes of a row by offset, as the partitioning guarantees', () => {
    const positions = ['insert.json', 'update.json'].map((file, offset) => fromDms(cdcFixture(`dms/${file}`), { keyColumns: KEY_COLUMNS, offset })?.position);

    expect(positions).toEqual([0n, 1n]);
  });
});

describe('fromDms: errors name the field', () => {
  it('throws MISSING_KEY_COLUMN for data.sku when keyColumns includes sku', () => {
    // Prepare
    const value = cdcObjectFixture('dms/insert.json');
    delete (value.data as Record<string, unknown>).sku;

    // Act
    const error = thrown(() => fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1 }));

    // Assess
    expect(error).toBeInstanceOf(ChangeEventError);
    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'data.sku' });
    expect((error as Error).message).toBe("data.sku is missing: key column 'sku' must hold a value in data");
  });

  it('throws UNSUPPORTED_OPERATION for an unknown data operation', () => {
    const value = cdcObjectFixture('dms/insert.json');
    metadataOf(value).operation = 'upsert';

    const error = thrown(() => fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1 }));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'metadata.operation' });
    expect((error as Error).message).toMatch(/not a DMS data operation/);
  });

  it.each([
    ['metadata', (v: Record<string, unknown>) => delete v.metadata],
    ['metadata.record-type', (v: Record<string, unknown>) => (metadataOf(v)['record-type'] = 'heartbeat')],
    ['metadata.operation', (v: Record<string, unknown>) => delete metadataOf(v).operation],
    ['metadata.table-name', (v: Record<string, unknown>) => delete metadataOf(v)['table-name']],
    ['metadata.commit-timestamp', (v: Record<string, unknown>) => (metadataOf(v)['commit-timestamp'] = '2024-05-06 07:08:09')],
    ['data', (v: Record<string, unknown>) => (v.data = null)],
  ])('throws NOT_A_CHANGE_EVENT naming %s', (field, spoil) => {
    const value = cdcObjectFixture('dms/insert.json');
    spoil(value);

    expect(thrown(() => fromDms(value, { keyColumns: KEY_COLUMNS, offset: 1 }))).toMatchObject({ reason: ChangeEventErrorReason.NOT_A_CHANGE_EVENT, field });
  });

  it('throws NOT_A_CHANGE_EVENT for a null value, which DMS never writes', () => {
    expect(thrown(() => fromDms(null, { keyColumns: KEY_COLUMNS, offset: 1 }))).toMatchObject({ reason: ChangeEventErrorReason.NOT_A_CHANGE_EVENT });
  });

  it.each([[-1], [1.5], [2 ** 53], [-1n]])('refuses the offset %o', (offset) => {
    expect(() => fromDms(cdcFixture('dms/insert.json'), { keyColumns: KEY_COLUMNS, offset })).toThrow(CdcOptionError);
  });
});
