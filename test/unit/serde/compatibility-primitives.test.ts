// Compatibility of primitive types: the promotions Avro allows (int to long,
// float or double; float to double; string and bytes either way), the
// narrowings and changes it does not, logical types and primitive root schemas.
import { describePairs, field, N, order, R, Y, type PairCase } from './compatibility-fixtures.js';

const PAIRS: readonly PairCase[] = [
  {
    change: 'an int field is promoted to long',
    old: order(field('quantity', 'int')),
    new: order(field('quantity', 'long')),
    backward: [],
    forward: [[R.TYPE_MISMATCH, 'Order.quantity']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a long field is narrowed to int',
    old: order(field('quantity', 'long')),
    new: order(field('quantity', 'int')),
    backward: [[R.TYPE_MISMATCH, 'Order.quantity']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'an int field is promoted to double',
    old: order(field('amount', 'int')),
    new: order(field('amount', 'double')),
    backward: [],
    forward: [[R.TYPE_MISMATCH, 'Order.amount']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a float field is promoted to double',
    old: order(field('amount', 'float')),
    new: order(field('amount', 'double')),
    backward: [],
    forward: [[R.TYPE_MISMATCH, 'Order.amount']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a string field becomes bytes',
    old: order(field('note', 'string')),
    new: order(field('note', 'bytes')),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a bytes field becomes string',
    old: order(field('note', 'bytes')),
    new: order(field('note', 'string')),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a string field becomes int',
    old: order(field('quantity', 'string')),
    new: order(field('quantity', 'int')),
    backward: [[R.TYPE_MISMATCH, 'Order.quantity']],
    forward: [[R.TYPE_MISMATCH, 'Order.quantity']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'map values are promoted from int to long',
    old: order(field('attributes', { type: 'map', values: 'int' })),
    new: order(field('attributes', { type: 'map', values: 'long' })),
    backward: [],
    forward: [[R.TYPE_MISMATCH, 'Order.attributes{}']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a timestamp-millis logical type is added on a long',
    old: order(field('occurred_at', 'long')),
    new: order(field('occurred_at', { type: 'long', logicalType: 'timestamp-millis' })),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a primitive root schema is narrowed from long to int',
    old: 'long',
    new: '"int"',
    backward: [[R.TYPE_MISMATCH, '$']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
];

describePairs(PAIRS);
