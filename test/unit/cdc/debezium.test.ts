import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChangeOperation, PositionKind } from '../../../functions/core/cdc/change-event.js';
import type { ChangeEvent } from '../../../functions/core/cdc/change-event.js';
import { fromDebezium } from '../../../functions/core/cdc/debezium.js';
import { CdcOptionError, ChangeEventError, ChangeEventErrorReason } from '../../../functions/core/cdc/errors.js';
import { encodeMysqlBinlogPosition } from '../../../functions/core/cdc/positions.js';
import { cdcFixture, cdcObjectFixture, thrown, withSchema } from './fixtures.js';

const INVENTORY = { keyColumns: ['sku', 'store_id'] } as const;
const ORDERS = { keyColumns: ['id'] } as const;

function change(value: unknown, options: { keyColumns: readonly string[] } = INVENTORY): ChangeEvent {
  const event = fromDebezium(value, options);
  if (event === undefined) throw new Error('expected a change event');
  return event;
}

function sourceOf(payload: Record<string, unknown>): Record<string, unknown> {
  return payload.source as Record<string, unknown>;
}

describe('fromDebezium: Postgres', () => {
  it('turns a create into an upsert of the after image', () => {
    // Prepare
    const value = cdcFixture('debezium-postgres/create.json');

    // Act
    const event = fromDebezium(value, INVENTORY);

    // Assess
    expect(event).toEqual({
      op: ChangeOperation.UPSERT,
      key: '["SKU-1","store-7"]',
      row: { sku: 'SKU-1', store_id: 'store-7', quantity: 40, price: '12.50', updated_at: '2024-05-06T07:08:09.123456Z' },
      position: 24_023_128n,
      positionKind: PositionKind.POSTGRES_LSN,
      sourceOperation: 'c',
      table: 'public.inventory',
      committedAt: 1_714_979_289_123,
    });
  });

  it('reads the same event from a JsonConverter record with schemas.enable=true', () => {
    const wrapped = change(cdcFixture('debezium-postgres/create.schemas-enabled.json'));

    expect(wrapped).toEqual(change(cdcFixture('debezium-postgres/create.json')));
  });

  it.each([
    ['create.json', ChangeOperation.UPSERT, 'c', '["SKU-1","store-7"]', 24_023_128n, 40],
    ['update.json', ChangeOperation.UPSERT, 'u', '["SKU-1","store-7"]', 24_023_512n, 37],
    ['delete.json', ChangeOperation.DELETE, 'd', '["SKU-1","store-7"]', 24_024_072n, 37],
    ['read.json', ChangeOperation.UPSERT, 'r', '["SKU-3","store-2"]', 24_001_160n, 5],
  ])('turns %s into the same %s with and without schemas', (file, op, sourceOperation, key, position, quantity) => {
    // Prepare
    const payload = cdcFixture(`debezium-postgres/${file}`);

    // Act
    const bare = change(payload);
    const wrapped = change(withSchema(cdcFixture(`debezium-postgres/${file}`)));

    // Assess
    expect(bare).toMatchObject({ op, sourceOperation, key, position, positionKind: 'postgres-lsn', table: 'public.inventory' });
    expect(bare.row).toMatchObject({ quantity });
    expect(wrapped).toEqual(bare);
  });

  it('turns a delete whose before image holds only the key columns (REPLICA IDENTITY DEFAULT) into a delete', () => {
    const event = change(cdcFixture('debezium-postgres/delete-key-only.json'));

    expect(event).toEqual({
      op: ChangeOperation.DELETE,
      key: '["SKU-2","store-7"]',
      row: { sku: 'SKU-2', store_id: 'store-7' },
      position: 24_024_440n,
      positionKind: PositionKind.POSTGRES_LSN,
      sourceOperation: 'd',
      table: 'public.inventory',
      committedAt: 1_714_980_255_310,
    });
  });

  it('gives a row the same key in its after image (upsert) and its before image (delete)', () => {
    const keys = ['create.json', 'update.json', 'delete.json'].map((file) => change(cdcFixture(`debezium-postgres/${file}`)).key);

    expect(new Set(keys)).toEqual(new Set(['["SKU-1","store-7"]']));
  });

  it('orders the changes of a row by their position', () => {
    const positions = ['create.json', 'update.json', 'delete.json'].map((file) => change(cdcFixture(`debezium-postgres/${file}`)).position);

    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
  });

  it('skips the tombstone that follows a delete, bare or wrapped', () => {
    expect(cdcFixture('debezium-postgres/tombstone.json')).toBeNull();
    expect(fromDebezium(cdcFixture('debezium-postgres/tombstone.json'), INVENTORY)).toBeUndefined();
    expect(fromDebezium(undefined, INVENTORY)).toBeUndefined();
    expect(fromDebezium(withSchema(null), INVENTORY)).toBeUndefined();
  });

  it('throws UNSUPPORTED_OPERATION for a truncate, saying it cannot be applied row by row', () => {
    const error = thrown(() => fromDebezium(cdcFixture('debezium-postgres/truncate.json'), INVENTORY));

    expect(error).toBeInstanceOf(ChangeEventError);
    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'op' });
    expect((error as Error).message).toMatch(/^op is 't' \(truncate\): a truncate empties public\.inventory at once and cannot be applied row by row/);
  });

  it('names the wrapped field of a truncate with schemas.enable=true', () => {
    const error = thrown(() => fromDebezium(withSchema(cdcFixture('debezium-postgres/truncate.json')), INVENTORY));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'payload.op' });
  });

  it('skips logical decoding messages, heartbeats, transaction and schema change records', () => {
    // Prepare
    const message = { op: 'm', ts_ms: 1_714_981_300_000, source: sourceOf(cdcObjectFixture('debezium-postgres/update.json')), message: { prefix: 'audit', content: 'aGk=' } };
    const heartbeat = cdcFixture('debezium-postgres/heartbeat.json');
    const transactionEnd = { status: 'END', id: '771:24023512', event_count: 1, data_collections: [{ data_collection: 'public.inventory', event_count: 1 }], ts_ms: 1_714_979_742_004 };
    const schemaChange = { source: { connector: 'mysql', name: 'shop' }, ts_ms: 1, databaseName: 'shop', schemaName: null, ddl: 'ALTER TABLE orders ADD note TEXT', tableChanges: [] };

    // Act & assess
    for (const value of [message, heartbeat, withSchema(heartbeat), transactionEnd, schemaChange]) {
      expect(fromDebezium(value, INVENTORY)).toBeUndefined();
    }
  });
});

describe('fromDebezium: MySQL', () => {
  it('turns an update into an upsert positioned by (file, pos, row)', () => {
    const event = change(cdcFixture('debezium-mysql/update.json'), ORDERS);

    expect(event).toEqual({
      op: ChangeOperation.UPSERT,
      key: '["10042"]',
      row: { id: 10042, customer_id: 1007, status: 'SHIPPED', total: '59.90', updated_at: '2024-05-06T07:20:48Z' },
      position: encodeMysqlBinlogPosition({ fileSequence: 3n, pos: 48_213n, row: 0n }),
      positionKind: PositionKind.MYSQL_BINLOG,
      sourceOperation: 'u',
      table: 'shop.orders',
      committedAt: 1_714_980_048_000,
    });
  });

  it('orders events like (file, pos, row) and gives an id the same key as number, bigint or string', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ file: fc.integer({ min: 1, max: 2_000_000 }), pos: fc.nat(), row: fc.nat({ max: 500 }) }), { minLength: 2, maxLength: 6 }),
        fc.maxSafeInteger(),
        (coordinates, id) => {
          // Prepare: the same update, as JSON (number id) or Avro-decoded (bigint id, and strings where a converter writes them).
          const events = coordinates.map((c, i) => {
            const value = cdcObjectFixture('debezium-mysql/update.json');
            Object.assign(sourceOf(value), { file: `mysql-bin.${String(c.file).padStart(6, '0')}`, pos: c.pos, row: c.row });
            (value.after as Record<string, unknown>).id = [id, BigInt(id), String(id)][i % 3];
            return change(value, ORDERS);
          });

          // Assess
          expect(new Set(events.map((e) => e.key))).toEqual(new Set([`["${id}"]`]));
          for (let i = 1; i < events.length; i++) {
            const [a, b] = [coordinates[i - 1], coordinates[i]];
            const byTuple = a!.file - b!.file || a!.pos - b!.pos || a!.row - b!.row;
            const byPosition = events[i - 1]!.position === events[i]!.position ? 0 : events[i - 1]!.position < events[i]!.position ? -1 : 1;
            expect(byPosition).toBe(Math.sign(byTuple));
          }
        },
      ),
    );
  });
});

describe('fromDebezium: Avro-decoded values', () => {
  it('reads longs as bigints and timestamp-millis as Dates, with the keys and positions JSON gives', () => {
    // Prepare: what the Avro decoder makes of the MySQL update, with a timestamp key column.
    const json = cdcObjectFixture('debezium-mysql/update.json');
    const avro = cdcObjectFixture('debezium-mysql/update.json');
    Object.assign(sourceOf(avro), { pos: 48_213n, server_id: 223_344n, ts_ms: 1_714_980_048_000n });
    Object.assign(avro.after as Record<string, unknown>, { id: 10_042n, updated_at: new Date('2024-05-06T07:20:48Z') });
    (json.after as Record<string, unknown>).updated_at = Date.parse('2024-05-06T07:20:48Z');
    const options = { keyColumns: ['id', 'updated_at'] };

    // Act
    const fromAvro = change(avro, options);
    const fromJson = change(json, options);

    // Assess
    expect(fromAvro.key).toBe('["10042","1714980048000"]');
    expect(fromAvro.key).toBe(fromJson.key);
    expect(fromAvro.position).toBe(fromJson.position);
    expect(fromAvro.committedAt).toBe(1_714_980_048_000);
  });

  it('reads a Postgres LSN beyond 2^53 exactly when it arrives as a bigint or a string', () => {
    for (const lsn of [2n ** 60n + 1n, (2n ** 60n + 1n).toString()]) {
      const value = cdcObjectFixture('debezium-postgres/update.json');
      sourceOf(value).lsn = lsn;

      expect(change(value).position).toBe(2n ** 60n + 1n);
    }
  });
});

describe('fromDebezium: flattened by ExtractNewRecordState', () => {
  it('turns a flattened update into the upsert the envelope gives, without the added fields', () => {
    const flattened = change(cdcFixture('debezium-postgres/flattened-update.json'));
    const enveloped = change(cdcFixture('debezium-postgres/update.json'));

    expect(flattened).toEqual(enveloped);
  });

  it('turns a rewritten delete (__deleted: "true") into a delete', () => {
    const event = change(cdcFixture('debezium-postgres/flattened-delete.json'));

    expect(event).toEqual({
      op: ChangeOperation.DELETE,
      key: '["SKU-2","store-7"]',
      row: { sku: 'SKU-2', store_id: 'store-7', quantity: null, price: null, updated_at: null },
      position: 24_024_440n,
      positionKind: PositionKind.POSTGRES_LSN,
      sourceOperation: 'd',
      table: 'public.inventory',
      committedAt: 1_714_980_255_310,
    });
  });

  it('reads a flattened row that has a column named op', () => {
    const value = { ...cdcObjectFixture('debezium-postgres/flattened-update.json'), op: 'restock' };

    expect(change(value)).toMatchObject({ op: ChangeOperation.UPSERT, sourceOperation: 'u', row: { op: 'restock', quantity: 37 } });
  });

  it('throws MISSING_POSITION when add.fields left out the position', () => {
    const value = cdcObjectFixture('debezium-postgres/flattened-update.json');
    delete value.__lsn;

    const error = thrown(() => fromDebezium(value, INVENTORY));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_POSITION, field: '__lsn' });
    expect((error as Error).message).toMatch(/neither __lsn \(Postgres\) nor __file, pos and row \(MySQL\)/);
  });

  it('throws NOT_A_CHANGE_EVENT when add.fields left out op', () => {
    const value = cdcObjectFixture('debezium-postgres/flattened-update.json');
    delete value.__op;

    expect(thrown(() => fromDebezium(value, INVENTORY))).toMatchObject({ reason: ChangeEventErrorReason.NOT_A_CHANGE_EVENT, field: '__op' });
  });
});

describe('fromDebezium: errors name the field', () => {
  it('throws MISSING_KEY_COLUMN for after.sku when keyColumns includes sku', () => {
    // Prepare
    const value = cdcObjectFixture('debezium-postgres/create.json');
    delete (value.after as Record<string, unknown>).sku;

    // Act
    const error = thrown(() => fromDebezium(value, INVENTORY));

    // Assess
    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'after.sku' });
    expect((error as Error).message).toBe("after.sku is missing: key column 'sku' must hold a value in after");
  });

  it('names payload.after.sku with schemas.enable=true', () => {
    const payload = cdcObjectFixture('debezium-postgres/create.json');
    delete (payload.after as Record<string, unknown>).sku;

    expect(thrown(() => fromDebezium(withSchema(payload), INVENTORY))).toMatchObject({ field: 'payload.after.sku' });
  });

  it('throws MISSING_KEY_COLUMN for before when a delete has no before image (REPLICA IDENTITY NOTHING)', () => {
    const value = cdcObjectFixture('debezium-postgres/delete.json');
    value.before = null;

    const error = thrown(() => fromDebezium(value, INVENTORY));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_KEY_COLUMN, field: 'before' });
    expect((error as Error).message).toMatch(/REPLICA IDENTITY/);
  });

  it('throws MISSING_POSITION for source.lsn', () => {
    const value = cdcObjectFixture('debezium-postgres/update.json');
    sourceOf(value).lsn = null;

    const error = thrown(() => fromDebezium(value, INVENTORY));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.MISSING_POSITION, field: 'source.lsn' });
  });

  it('throws MISSING_POSITION for source.pos of a MySQL event', () => {
    const value = cdcObjectFixture('debezium-mysql/update.json');
    delete sourceOf(value).pos;

    expect(thrown(() => fromDebezium(value, ORDERS))).toMatchObject({ reason: ChangeEventErrorReason.MISSING_POSITION, field: 'source.pos' });
  });

  it('throws UNSUPPORTED_SOURCE for source.connector of another database', () => {
    const value = cdcObjectFixture('debezium-postgres/update.json');
    sourceOf(value).connector = 'sqlserver';

    const error = thrown(() => fromDebezium(value, INVENTORY));

    expect(error).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_SOURCE, field: 'source.connector' });
  });

  it('throws UNSUPPORTED_OPERATION for an unknown op', () => {
    const value = cdcObjectFixture('debezium-postgres/update.json');
    value.op = 'x';

    expect(thrown(() => fromDebezium(value, INVENTORY))).toMatchObject({ reason: ChangeEventErrorReason.UNSUPPORTED_OPERATION, field: 'op' });
  });

  it.each([
    ['a string', 'not json', undefined],
    ['an object without op', { before: null, after: {} }, 'op'],
    ['an op that is not a string', { op: 1, source: {} }, 'op'],
  ])('throws NOT_A_CHANGE_EVENT for %s', (_name, value, field) => {
    expect(thrown(() => fromDebezium(value, INVENTORY))).toMatchObject({ reason: ChangeEventErrorReason.NOT_A_CHANGE_EVENT, field });
  });

  it('throws NOT_A_CHANGE_EVENT for source.ts_ms that is not epoch millis', () => {
    const value = cdcObjectFixture('debezium-postgres/update.json');
    sourceOf(value).ts_ms = 'yesterday';

    expect(thrown(() => fromDebezium(value, INVENTORY))).toMatchObject({ reason: ChangeEventErrorReason.NOT_A_CHANGE_EVENT, field: 'source.ts_ms' });
  });

  it('refuses an empty keyColumns as an option error', () => {
    expect(() => fromDebezium(cdcFixture('debezium-postgres/create.json'), { keyColumns: [] })).toThrow(CdcOptionError);
  });
});
