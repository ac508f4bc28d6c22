// Compatibility of unions: branches added and removed, plain fields becoming
// nullable and back, which reader branch reads a writer type, and branches of
// one short name in different namespaces.
import { describe, expect, it } from 'vitest';
import { canRead, checkCompatibility, CompatibilityMode } from '../../../functions/core/serde/compatibility.js';
import { describePairs, field, N, order, R, record, Y, type PairCase } from './compatibility-fixtures.js';

const PAIRS: readonly PairCase[] = [
  {
    change: 'a union is widened with an int branch',
    old: order(field('note', ['null', 'string'], { default: null })),
    new: order(field('note', ['null', 'string', 'int'], { default: null })),
    backward: [],
    forward: [[R.UNION_BRANCH_UNREADABLE, 'Order.note<union:int>']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a union is narrowed by its int branch',
    old: order(field('note', ['null', 'string', 'int'], { default: null })),
    new: order(field('note', ['null', 'string'], { default: null })),
    backward: [[R.UNION_BRANCH_UNREADABLE, 'Order.note<union:int>']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a plain field becomes a nullable union',
    old: order(field('note', 'string')),
    new: order(field('note', ['null', 'string'], { default: null })),
    backward: [],
    forward: [[R.UNION_BRANCH_UNREADABLE, 'Order.note<union:null>']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a nullable union becomes a plain field',
    old: order(field('note', ['null', 'string'], { default: null })),
    new: order(field('note', 'string')),
    backward: [[R.UNION_BRANCH_UNREADABLE, 'Order.note<union:null>']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a union gains a branch no reader branch can read',
    old: order(field('amount', ['null', 'long'], { default: null })),
    new: order(field('amount', 'boolean')),
    backward: [
      [R.UNION_BRANCH_UNREADABLE, 'Order.amount<union:null>'],
      [R.UNION_BRANCH_UNREADABLE, 'Order.amount<union:long>'],
    ],
    forward: [[R.UNION_NO_MATCHING_BRANCH, 'Order.amount']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
];

describePairs(PAIRS);

describe('union branches of one short name in different namespaces', () => {
  // A payload that is one of two events, each named Created, in two namespaces with different fields.
  const event = {
    type: 'record',
    name: 'Envelope',
    namespace: 'shop',
    fields: [
      {
        name: 'payload',
        type: [
          { type: 'record', name: 'Created', namespace: 'shop.order', fields: [{ name: 'orderId', type: 'string' }] },
          { type: 'record', name: 'Created', namespace: 'shop.customer', fields: [{ name: 'email', type: 'string' }] },
        ],
      },
    ],
  };

  it('reads each branch with the reader branch of its full name, so the schema is FULL-compatible with itself', () => {
    const verdict = checkCompatibility(CompatibilityMode.FULL, event, [event]);

    expect(verdict.violations).toEqual([]);
    expect(verdict.compatible).toBe(true);
  });

  it('names the branch by its full name in the path of a problem inside it', () => {
    const [order, customer] = event.fields[0]?.type ?? [];
    const changed = { ...event, fields: [{ name: 'payload', type: [order, { ...customer, fields: [{ name: 'phone', type: 'string' }] }] }] };

    const verdict = checkCompatibility(CompatibilityMode.BACKWARD, changed, [event]);

    expect(verdict.violations.map((v) => v.path)).toEqual(['Envelope.payload<union:shop.customer.Created>.phone']);
  });
});

// --- resolution as Avro Java's SchemaCompatibility judges it -----------------

describe('schema resolution, as Avro Java 1.11.4 (the Glue Schema Registry) judges it', () => {
  it('reads a writer type with any reader union branch that reads it without an issue', () => {
    const writer = record('A', [field('x', 'int')]);
    const sameNameDiffers = record('A', [field('x', 'string')]);
    const aliasReads = record('C', [field('x', 'int')], { aliases: ['A'] });

    expect(canRead([sameNameDiffers, aliasReads], writer)).toEqual([]);
    // When no branch reads it, the issues are those of the branch of the writer's name.
    expect(canRead([sameNameDiffers], writer).map((issue) => [issue.rule, issue.path])).toEqual([[R.TYPE_MISMATCH, '$<union:A>.x']]);
  });
});
