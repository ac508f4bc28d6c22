// What the compatibility checker says: the messages and paths of canRead's
// issues, the errors invalid schemas are refused with, and a violation
// formatted on one line.
import { describe, expect, it } from 'vitest';
import {
  canRead,
  checkCompatibility,
  CompatibilityMode,
  formatViolation,
  isCompatibilityMode,
} from '../../../functions/core/serde/compatibility.js';
import { InvalidSchemaError, InvalidSchemaErrorReason } from '../../../functions/core/serde/errors.js';
import { avscResolves, field, MODES, order, R, record, statusEnum, type Json } from './compatibility-fixtures.js';

// --- canRead details --------------------------------------------------------

describe('canRead', () => {
  it('accepts the same schema as JSON text and as a parsed value', () => {
    const schema = order(field('quantity', 'int'));

    expect(canRead(JSON.stringify(schema), schema)).toEqual([]);
  });

  it('rejects with a message naming the field and both types when a long is read as int', () => {
    expect(canRead(order(field('quantity', 'int')), order(field('quantity', 'long')))).toEqual([
      {
        rule: R.TYPE_MISMATCH,
        path: 'Order.quantity',
        message: "Field 'Order.quantity' is int in the reader schema but long in the writer schema, and long cannot be read as int.",
      },
    ]);
  });

  it('rejects when an enum symbol is missing, naming the symbols', () => {
    const [issue] = canRead(
      order(field('status', statusEnum(['PLACED']))),
      order(field('status', statusEnum(['PLACED', 'SHIPPED', 'CANCELLED']))),
    );

    expect(issue?.message).toBe(
      "Field 'Order.status' is enum 'Status' in the reader schema, which lacks the symbols SHIPPED, CANCELLED that the writer schema can write and has no enum default.",
    );
  });

  it('accepts an enum symbol the reader lacks when the reader declares an enum default', () => {
    expect(
      canRead(
        order(field('status', statusEnum(['PLACED', 'OTHER'], { default: 'OTHER' }))),
        order(field('status', statusEnum(['PLACED', 'SHIPPED', 'OTHER']))),
      ),
    ).toEqual([]);
  });

  it('rejects at every path a named type is referenced from when that type changes', () => {
    const address = (...fields: readonly Json[]): Json => record('Address', [field('street', 'string'), ...fields]);
    const writer = order(field('billing', address()), field('shipping', 'Address'));
    const reader = order(field('billing', address(field('zip', 'string'))), field('shipping', 'Address'));

    expect(canRead(reader, writer).map((issue) => [issue.rule, issue.path])).toEqual([
      [R.READER_FIELD_MISSING_DEFAULT, 'Order.billing.zip'],
      [R.READER_FIELD_MISSING_DEFAULT, 'Order.shipping.zip'],
    ]);
  });

  it('rejects inside a record branch of a union with the branch in the path', () => {
    const writer = order(field('address', ['null', record('Address', [field('street', 'string')])], { default: null }));
    const reader = order(field('address', ['null', record('Address', [field('street', 'string'), field('zip', 'string')])], { default: null }));

    expect(canRead(reader, writer).map((issue) => [issue.rule, issue.path])).toEqual([
      [R.READER_FIELD_MISSING_DEFAULT, 'Order.address<union:Address>.zip'],
    ]);
  });

  it('accepts a non-union writer read through the first reader branch that matches it', () => {
    expect(canRead(order(field('amount', ['null', 'double'], { default: null })), order(field('amount', 'int')))).toEqual([]);
  });

  it('rejects mutually recursive records that change, without looping', () => {
    const tree = (...extra: readonly Json[]): Json =>
      record('Tree', [
        field('children', { type: 'array', items: record('Branch', [field('label', 'string'), ...extra, field('tree', 'Tree')]) }),
      ]);

    expect(canRead(tree(field('weight', 'int')), tree()).map((issue) => issue.path)).toEqual(['Tree.children[].weight']);
    expect(canRead(tree(), tree())).toEqual([]);
  });

  it('accepts a record renamed across namespaces when the reader names the old full name as an alias', () => {
    const writer = record('OrderPlaced', [field('id', 'string')], { namespace: 'com.example.shop' });
    const reader = record('OrderCreated', [field('id', 'string')], { namespace: 'com.example.orders', aliases: ['com.example.shop.OrderPlaced'] });

    expect(canRead(reader, writer)).toEqual([]);
    expect(avscResolves(reader, writer)).toBe(true);
  });
});

// --- invalid schemas --------------------------------------------------------

describe('invalid schemas', () => {
  it('rejects text that is not JSON with an InvalidSchemaError', () => {
    const act = (): unknown => canRead('{"type": "record",', order());

    expect(act).toThrow(InvalidSchemaError);
    expect(act).toThrow(/^The reader schema is not valid JSON/);
  });

  it('rejects a record without a name', () => {
    try {
      canRead(order(), { type: 'record', fields: [] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidSchemaError);
      expect(error).toMatchObject({ name: 'InvalidSchemaError', reason: InvalidSchemaErrorReason.NOT_AVRO, schema: 'the writer schema' });
    }
  });

  it('rejects a field default that does not fit its type, naming the prior version', () => {
    const bad = order(field('quantity', 'int', { default: 'many' }));

    expect(() => checkCompatibility(CompatibilityMode.BACKWARD, order(), [order(), bad])).toThrow(
      /^Version 2 is not a valid Avro schema: .*default/,
    );
  });

  it('rejects aliases that are not an array of names, naming the type that has them', () => {
    expect(() => checkCompatibility(CompatibilityMode.NONE, { ...order(), aliases: 'Rec' }, [])).toThrow(
      /^The new schema is not a valid Avro schema: the aliases of record '[^']+' must be an array of names, got "Rec"$/,
    );
  });

  it('rejects a reference to an undefined named type in the new schema', () => {
    expect(() => checkCompatibility(CompatibilityMode.NONE, order(field('customer', 'Customer')), [])).toThrow(
      /^The new schema is not a valid Avro schema: undefined type name/,
    );
  });
});

// --- small helpers ----------------------------------------------------------

describe('isCompatibilityMode and formatViolation', () => {
  it('accepts the eight Glue modes and rejects anything else', () => {
    expect(MODES.every((mode) => isCompatibilityMode(mode))).toBe(true);
    expect(MODES).toHaveLength(8);
    expect(isCompatibilityMode('backward')).toBe(false);
  });

  it('accepts a violation and formats it on one line', () => {
    const [violation] = checkCompatibility(CompatibilityMode.BACKWARD, order(field('note', 'string')), [order()]).violations;
    if (violation === undefined) throw new Error('expected a violation');

    const line = formatViolation(violation);

    expect(line).toBe(
      "READER_FIELD_MISSING_DEFAULT at Order.note (version 1, new reads prior): Field 'Order.note' is in the new schema without a default, and data written with version 1 does not have it.",
    );
    expect(line).not.toContain('\n');
  });
});
