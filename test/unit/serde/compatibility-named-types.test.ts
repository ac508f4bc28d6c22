// Compatibility of named types: enum symbols and enum defaults, records renamed
// with and without aliases or moved to another namespace, fixed sizes, and
// field aliases that match more than one writer field.
import { describe, expect, it } from 'vitest';
import { canRead } from '../../../functions/core/serde/compatibility.js';
import { describePairs, field, N, order, R, record, statusEnum, Y, type PairCase } from './compatibility-fixtures.js';

const PAIRS: readonly PairCase[] = [
  {
    change: 'an enum symbol is added',
    old: order(field('status', statusEnum(['PLACED', 'SHIPPED']))),
    new: order(field('status', statusEnum(['PLACED', 'SHIPPED', 'CANCELLED']))),
    backward: [],
    forward: [[R.ENUM_SYMBOL_MISSING, 'Order.status']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'an enum symbol is removed',
    old: order(field('status', statusEnum(['PLACED', 'SHIPPED', 'CANCELLED']))),
    new: order(field('status', statusEnum(['PLACED', 'SHIPPED']))),
    backward: [[R.ENUM_SYMBOL_MISSING, 'Order.status']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'an enum symbol is added and both versions declare an enum default',
    old: order(field('status', statusEnum(['PLACED', 'SHIPPED', 'UNKNOWN'], { default: 'UNKNOWN' }))),
    new: order(field('status', statusEnum(['PLACED', 'SHIPPED', 'CANCELLED', 'UNKNOWN'], { default: 'UNKNOWN' }))),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a record is renamed with an alias on the new schema',
    old: record('OrderPlaced', [field('id', 'string')]),
    new: record('OrderCreated', [field('id', 'string')], { aliases: ['OrderPlaced'] }),
    backward: [],
    forward: [[R.NAME_MISMATCH, 'OrderPlaced']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a record is renamed without an alias',
    old: record('OrderPlaced', [field('id', 'string')]),
    new: record('OrderCreated', [field('id', 'string')]),
    backward: [[R.NAME_MISMATCH, 'OrderCreated']],
    forward: [[R.NAME_MISMATCH, 'OrderPlaced']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a record moves to another namespace under the same name',
    old: record('Order', [field('id', 'string')], { namespace: 'com.example.shop' }),
    new: record('Order', [field('id', 'string')], { namespace: 'com.example.orders' }),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
    avscDiffers:
      'the spec (and the Java implementation Glue runs) match records by unqualified name; avsc compares full names unless ignoreNamespaces is set',
  },
  {
    change: 'a fixed type changes size',
    old: order(field('hash', { type: 'fixed', name: 'Digest', size: 16 })),
    new: order(field('hash', { type: 'fixed', name: 'Digest', size: 32 })),
    backward: [[R.FIXED_SIZE_MISMATCH, 'Order.hash']],
    forward: [[R.FIXED_SIZE_MISMATCH, 'Order.hash']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
];

describePairs(PAIRS);

// --- resolution as Avro Java's SchemaCompatibility judges it -----------------

describe('schema resolution, as Avro Java 1.11.4 (the Glue Schema Registry) judges it', () => {
  it('refuses a reader field whose name and alias both match writer fields, as Java stops its check there', () => {
    const writer = record('R', [field('a', 'int'), field('b', 'int')]);

    expect(canRead(record('R', [field('a', 'int', { aliases: ['b'] })]), writer)).toEqual([
      {
        rule: R.AMBIGUOUS_FIELD_MATCH,
        path: 'R.a',
        message: "Field 'R.a' in the reader schema matches the fields 'a', 'b' of the writer schema by its name and aliases, and may match only one.",
      },
    ]);
    expect(canRead(record('R', [field('c', 'int', { aliases: ['a', 'b'] })]), writer).map((issue) => issue.rule)).toEqual([R.AMBIGUOUS_FIELD_MATCH]);
    // An alias equal to the field's own name matches the same writer field twice.
    expect(canRead(record('R', [field('a', 'int', { aliases: ['a'] })]), record('R', [field('a', 'int')])).map((issue) => issue.rule)).toEqual([R.AMBIGUOUS_FIELD_MATCH]);
    expect(canRead(record('R', [field('c', 'int', { aliases: ['a'] })]), writer)).toEqual([]);
  });

  it('stops with AMBIGUOUS_FIELD_MATCH inside a renamed record too, as Java checks its fields, unless an earlier union branch reads the writer', () => {
    const writer = record('A', [field('a', 'int'), field('b', 'int')]);
    const ambiguous = record('B', [field('a', 'int', { aliases: ['b'] })]);
    const reads = record('A', [field('a', 'int')]);

    expect(canRead([ambiguous, reads], writer).map((issue) => issue.rule)).toEqual([R.AMBIGUOUS_FIELD_MATCH]);
    expect(canRead([reads, ambiguous], writer)).toEqual([]);
  });
});
