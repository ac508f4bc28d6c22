import avro from 'avsc';
import { describe, it, expect } from 'vitest';
import {
  canRead,
  checkCompatibility,
  CompatibilityMode,
  CompatibilityRule,
  formatViolation,
  isCompatibilityMode,
} from '../../../functions/core/serde/compatibility.js';
import type {
  AvroSchemaInput,
  CompatibilityDirection,
  CompatibilityViolation,
} from '../../../functions/core/serde/compatibility.js';
import { InvalidSchemaError, InvalidSchemaErrorReason, SerdeArgumentError } from '../../../functions/core/serde/errors.js';

// --- schema builders --------------------------------------------------------

type Json = Record<string, unknown>;

function record(name: string, fields: readonly Json[], extra: Json = {}): Json {
  return { type: 'record', name, ...extra, fields };
}

function field(name: string, type: unknown, extra: Json = {}): Json {
  return { name, type, ...extra };
}

/** `Order { id: string, ...fields }`, the usual shape of a table row. */
function order(...fields: readonly Json[]): Json {
  return record('Order', [field('id', 'string'), ...fields]);
}

function statusEnum(symbols: readonly string[], extra: Json = {}): Json {
  return { type: 'enum', name: 'Status', symbols, ...extra };
}

function linkedList(...extraFields: readonly Json[]): Json {
  return record('Node', [field('value', 'int'), ...extraFields, field('next', ['null', 'Node'], { default: null })]);
}

// --- the table --------------------------------------------------------------

/** An expected issue: rule and path. */
type Expected = readonly [CompatibilityRule, string];

interface PairCase {
  /** Reads after "when": the change from the old schema to the new one. */
  readonly change: string;
  readonly old: AvroSchemaInput;
  readonly new: AvroSchemaInput;
  /** Issues of canRead(new, old): the new schema reading old data. */
  readonly backward: readonly Expected[];
  /** Issues of canRead(old, new): the old schema reading new data. */
  readonly forward: readonly Expected[];
  /** The verdict of every mode, with the old schema as version 1. */
  readonly modes: Readonly<Record<CompatibilityMode, boolean>>;
  /** Set when avsc's resolver is known to judge this pair differently from the spec. */
  readonly avscDiffers?: string;
}

const Y = true;
const N = false;
const R = CompatibilityRule;

const PAIRS: readonly PairCase[] = [
  {
    change: 'a field is added with a default',
    old: order(),
    new: order(field('currency', 'string', { default: 'EUR' })),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a field is added without a default',
    old: order(),
    new: order(field('currency', 'string')),
    backward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.currency']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a field that had a default is removed',
    old: order(field('note', 'string', { default: '' })),
    new: order(),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a field without a default is removed',
    old: order(field('note', 'string')),
    new: order(),
    backward: [],
    forward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.note']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
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
  {
    change: 'a nested record gains a field without a default',
    old: order(field('customer', record('Customer', [field('id', 'string')]))),
    new: order(field('customer', record('Customer', [field('id', 'string'), field('email', 'string')]))),
    backward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.customer.email']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a nested record gains a field with a default',
    old: order(field('customer', record('Customer', [field('id', 'string')]))),
    new: order(field('customer', record('Customer', [field('id', 'string'), field('tier', 'string', { default: 'basic' })]))),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'the record items of an array change a field type',
    old: order(field('items', { type: 'array', items: record('Item', [field('sku', 'string'), field('quantity', 'int')]) })),
    new: order(field('items', { type: 'array', items: record('Item', [field('sku', 'long'), field('quantity', 'int')]) })),
    backward: [[R.TYPE_MISMATCH, 'Order.items[].sku']],
    forward: [[R.TYPE_MISMATCH, 'Order.items[].sku']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'the record items of an array gain a field without a default',
    old: order(field('items', { type: 'array', items: record('Item', [field('sku', 'string')]) })),
    new: order(field('items', { type: 'array', items: record('Item', [field('sku', 'string'), field('price', 'double')]) })),
    backward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.items[].price']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
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
    change: 'a field is renamed with an alias on the new schema',
    old: order(field('cust_id', 'string')),
    new: order(field('customer_id', 'string', { aliases: ['cust_id'] })),
    backward: [],
    forward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.cust_id']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
  },
  {
    change: 'a field is renamed without an alias',
    old: order(field('cust_id', 'string')),
    new: order(field('customer_id', 'string')),
    backward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.customer_id']],
    forward: [[R.READER_FIELD_MISSING_DEFAULT, 'Order.cust_id']],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: N, FORWARD_ALL: N, FULL: N, FULL_ALL: N },
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
  {
    change: 'a timestamp-millis logical type is added on a long',
    old: order(field('occurred_at', 'long')),
    new: order(field('occurred_at', { type: 'long', logicalType: 'timestamp-millis' })),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a recursive linked list is unchanged',
    old: linkedList(),
    new: linkedList(),
    backward: [],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: Y, BACKWARD_ALL: Y, FORWARD: Y, FORWARD_ALL: Y, FULL: Y, FULL_ALL: Y },
  },
  {
    change: 'a recursive linked list gains a field without a default',
    old: linkedList(),
    new: linkedList(field('weight', 'int')),
    backward: [[R.READER_FIELD_MISSING_DEFAULT, 'Node.weight']],
    forward: [],
    modes: { NONE: Y, DISABLED: N, BACKWARD: N, BACKWARD_ALL: N, FORWARD: Y, FORWARD_ALL: Y, FULL: N, FULL_ALL: N },
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

const MODES = Object.values(CompatibilityMode);

/** The directions each mode checks, against version 1 when there is one prior version. */
const DIRECTIONS: Readonly<Record<CompatibilityMode, readonly CompatibilityDirection[]>> = {
  NONE: [],
  DISABLED: ['versioning'],
  BACKWARD: ['new-reads-prior'],
  BACKWARD_ALL: ['new-reads-prior'],
  FORWARD: ['prior-reads-new'],
  FORWARD_ALL: ['prior-reads-new'],
  FULL: ['new-reads-prior', 'prior-reads-new'],
  FULL_ALL: ['new-reads-prior', 'prior-reads-new'],
};

function rootName(schema: AvroSchemaInput): string {
  return typeof schema === 'object' && 'name' in schema && typeof schema.name === 'string' ? schema.name : '$';
}

function expectedViolations(pair: PairCase, mode: CompatibilityMode): Array<[CompatibilityDirection, string, string]> {
  return DIRECTIONS[mode].flatMap((direction) => {
    if (direction === 'versioning') return [[direction, R.VERSIONING_DISABLED, rootName(pair.new)]];
    const issues = direction === 'new-reads-prior' ? pair.backward : pair.forward;
    return issues.map(([rule, path]): [CompatibilityDirection, string, string] => [direction, rule, path]);
  });
}

function summary(violations: readonly CompatibilityViolation[]): Array<[CompatibilityDirection, string, string]> {
  return violations.map((violation) => [violation.direction, violation.rule, violation.path]);
}

describe('checkCompatibility against one prior version', () => {
  for (const mode of MODES) {
    describe(`under ${mode}`, () => {
      for (const pair of PAIRS) {
        const compatible = pair.modes[mode];
        it(`${compatible ? 'accepts' : 'rejects'} the new schema when ${pair.change}`, () => {
          const verdict = checkCompatibility(mode, pair.new, [pair.old]);

          expect(verdict.mode).toBe(mode);
          expect(verdict.compatible).toBe(compatible);
          expect(summary(verdict.violations)).toEqual(expectedViolations(pair, mode));
          for (const violation of verdict.violations) expect(violation.againstVersion).toBe(1);
        });
      }
    });
  }
});

// --- avsc as an oracle ------------------------------------------------------

type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

/** Whether avsc can build a resolver reading `writer` data with `reader` (it throws when not). */
function avscResolves(reader: AvroSchemaInput, writer: AvroSchemaInput): boolean {
  const toType = (schema: AvroSchemaInput): avro.Type =>
    avro.Type.forSchema((typeof schema === 'string' && schema.startsWith('"') ? JSON.parse(schema) : schema) as AvscSchema);
  try {
    toType(reader).createResolver(toType(writer));
    return true;
  } catch {
    return false;
  }
}

describe('canRead agrees with avsc', () => {
  for (const pair of PAIRS.filter((candidate) => candidate.avscDiffers === undefined)) {
    it(`accepts exactly what avsc's resolver accepts when ${pair.change}`, () => {
      expect(canRead(pair.new, pair.old).length === 0).toBe(avscResolves(pair.new, pair.old));
      expect(canRead(pair.old, pair.new).length === 0).toBe(avscResolves(pair.old, pair.new));
    });
  }

  // Cases excluded above, kept here so the difference stays visible and checked.
  for (const pair of PAIRS.filter((candidate) => candidate.avscDiffers !== undefined)) {
    it(`rejects what avsc rejects, against the spec, when ${pair.change}`, () => {
      expect(canRead(pair.new, pair.old)).toEqual([]);
      expect(avscResolves(pair.new, pair.old)).toBe(false);
    });
  }
});

// --- several prior versions -------------------------------------------------

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

describe('checkCompatibility against several prior versions', () => {
  // v2 adds `note` with a default; v3 keeps the field but drops the default.
  // v3 reads v2 data (it has `note`) but not v1 data (it does not).
  const v1 = order();
  const v2 = order(field('note', 'string', { default: '' }));
  const v3 = order(field('note', 'string'));

  it('accepts v3 under BACKWARD, which only looks at the latest version', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD, v3, [v1, v2]);

    expect(verdict.compatible).toBe(true);
    expect(verdict.violations).toEqual([]);
  });

  it('rejects v3 under BACKWARD_ALL when version 1 lacks a field v3 has no default for', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, v3, [v1, v2]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: R.READER_FIELD_MISSING_DEFAULT,
        path: 'Order.note',
        message: "Field 'Order.note' is in the new schema without a default, and data written with version 1 does not have it.",
        againstVersion: 1,
        direction: 'new-reads-prior',
      },
    ]);
  });

  it('accepts v3 under FULL but rejects it under FULL_ALL, naming version 1 only', () => {
    expect(checkCompatibility(CompatibilityMode.FULL, v3, [v1, v2]).compatible).toBe(true);

    const verdict = checkCompatibility(CompatibilityMode.FULL_ALL, v3, [v1, v2]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([1]);
  });

  it('rejects under FORWARD_ALL but accepts under FORWARD when only version 1 cannot read the new data', () => {
    // v1 requires `note`, v2 gives it a default, v3 removes it.
    const f1 = order(field('note', 'string'));
    const f2 = order(field('note', 'string', { default: '' }));
    const f3 = order();

    expect(checkCompatibility(CompatibilityMode.FORWARD, f3, [f1, f2]).compatible).toBe(true);
    const verdict = checkCompatibility(CompatibilityMode.FORWARD_ALL, f3, [f1, f2]);

    expect(summary(verdict.violations)).toEqual([['prior-reads-new', R.READER_FIELD_MISSING_DEFAULT, 'Order.note']]);
    expect(verdict.violations[0]?.againstVersion).toBe(1);
    expect(verdict.violations[0]?.message).toBe(
      "Field 'Order.note' is in version 1 without a default, and data written with the new schema does not have it.",
    );
  });

  it('rejects under BACKWARD_ALL naming every incompatible version, oldest first', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, order(field('note', 'string')), [v1, v1, v2]);

    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([1, 2]);
  });

  it('accepts numbering prior versions from firstVersionNumber', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, v3, [v1, v2], { firstVersionNumber: 7 });

    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([7]);
  });

  it('rejects under DISABLED when the subject already has versions, naming the latest', () => {
    const verdict = checkCompatibility(CompatibilityMode.DISABLED, v1, [v1, v1]);

    expect(verdict.compatible).toBe(false);
    expect(summary(verdict.violations)).toEqual([['versioning', R.VERSIONING_DISABLED, 'Order']]);
    expect(verdict.violations[0]?.againstVersion).toBe(2);
  });

  it('accepts a first version under every mode', () => {
    for (const mode of MODES) {
      expect(checkCompatibility(mode, v3, [])).toEqual({ compatible: true, mode, violations: [] });
    }
  });

  it('accepts anything under NONE', () => {
    expect(checkCompatibility(CompatibilityMode.NONE, '"string"', [v1, v2]).compatible).toBe(true);
  });

  it('rejects an unknown mode', () => {
    expect(() => checkCompatibility('SIDEWAYS' as CompatibilityMode, v1, [])).toThrow(/Unknown compatibility mode 'SIDEWAYS'/);
  });

  it('rejects a firstVersionNumber below 1', () => {
    expect(() => checkCompatibility(CompatibilityMode.BACKWARD, v1, [v1], { firstVersionNumber: 0 })).toThrow(SerdeArgumentError);
  });
});

// --- the orders subject -----------------------------------------------------

/**
 * Modelled on the `orders` subject (its real schemas are not in the repository
 * yet): the standard event envelope, then the order as `payload`.
 */
function orderEvent(...payloadFields: readonly Json[]): string {
  const lineItem = record('OrderLine', [field('sku', 'string'), field('quantity', 'int'), field('unit_price', 'double')]);
  const payload = record('Order', [
    field('order_id', 'string'),
    field('customer_id', 'string'),
    field('store_id', 'string'),
    field('items', { type: 'array', items: lineItem }),
    field('total', 'double'),
    field('currency', 'string'),
    ...payloadFields,
  ]);
  const envelope = record(
    'OrderEvent',
    [
      field('event_id', 'string'),
      field('event_type', 'string'),
      field('occurred_at', { type: 'long', logicalType: 'timestamp-millis' }),
      field('source', 'string'),
      field('correlation_id', ['null', 'string'], { default: null }),
      field('schema_version', 'int'),
      field('payload', payload),
    ],
    { namespace: 'com.example.retail.orders' },
  );
  return JSON.stringify(envelope);
}

describe('checkCompatibility on the orders subject', () => {
  const ordersV1 = orderEvent();
  const ordersV2 = orderEvent(field('shipping_method', 'string', { default: 'standard' }));
  const ordersV3 = orderEvent(
    field('shipping_method', 'string', { default: 'standard' }),
    field('promo_code', ['null', 'string'], { default: null }),
  );
  const ordersV4 = orderEvent(field('shipping_method', 'string'), field('promo_code', ['null', 'string'], { default: null }));

  it('accepts v2 and v3 under FULL_ALL', () => {
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV2, [ordersV1]).violations).toEqual([]);
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV3, [ordersV1, ordersV2]).violations).toEqual([]);
  });

  it('rejects a v4 without the shipping_method default under BACKWARD_ALL, naming version 1', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, ordersV4, [ordersV1, ordersV2, ordersV3]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: R.READER_FIELD_MISSING_DEFAULT,
        path: 'OrderEvent.payload.shipping_method',
        message:
          "Field 'OrderEvent.payload.shipping_method' is in the new schema without a default, and data written with version 1 does not have it.",
        againstVersion: 1,
        direction: 'new-reads-prior',
      },
    ]);
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV4, [ordersV1, ordersV2, ordersV3]).compatible).toBe(false);
  });

  it('accepts that v4 under BACKWARD, since v3 data always has shipping_method', () => {
    // Only the latest version is compared, and v3 wrote the field.
    expect(checkCompatibility(CompatibilityMode.BACKWARD, ordersV4, [ordersV1, ordersV2, ordersV3]).compatible).toBe(true);
  });

  it('rejects that v4 under BACKWARD when the subject has only version 1', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD, ordersV4, [ordersV1]);

    expect(summary(verdict.violations)).toEqual([
      ['new-reads-prior', R.READER_FIELD_MISSING_DEFAULT, 'OrderEvent.payload.shipping_method'],
    ]);
  });
});

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

// --- validity as Avro Java judges it -----------------------------------------

/** Whether the checker takes a schema as valid Avro (as both reader and writer of itself). */
function isValid(schema: AvroSchemaInput): boolean {
  try {
    canRead(schema, schema);
    return true;
  } catch (error) {
    if (error instanceof InvalidSchemaError) return false;
    throw error;
  }
}

/** The message of the InvalidSchemaError a schema is refused with. */
function refusal(schema: AvroSchemaInput): string {
  try {
    canRead(schema, schema);
  } catch (error) {
    if (error instanceof InvalidSchemaError) return error.message;
    throw error;
  }
  throw new Error('the schema was accepted');
}

/** A record `R` with one field `f` of `type` and the given default, as JSON text so numbers stay as written. */
function withDefault(type: unknown, defaultText: string): string {
  return `{"type":"record","name":"R","fields":[{"name":"f","type":${JSON.stringify(type)},"default":${defaultText}}]}`;
}

describe('schema validity, as Avro Java 1.11.4 (the Glue Schema Registry) judges it', () => {
  it('accepts float and double defaults Java reads with Double.valueOf: "NaN", "Infinity", "-Infinity"', () => {
    for (const text of ['"NaN"', '"Infinity"', '"-Infinity"', '" 1.5 "']) {
      expect(isValid(withDefault('double', text)), text).toBe(true);
      expect(isValid(withDefault('float', text)), text).toBe(true);
    }
    // Only a float or double field's own default is read that way, not one in a union or inside a record default.
    expect(isValid(withDefault('double', '"many"'))).toBe(false);
    expect(isValid(withDefault(['double', 'null'], '"NaN"'))).toBe(false);
    expect(isValid(withDefault(record('I', [field('d', 'double')]), '{"d":"NaN"}'))).toBe(false);
  });

  it('refuses an int default written 1.0 and a long default written 3.0, as Java reads them as doubles', () => {
    expect(isValid(withDefault('int', '1.0'))).toBe(false);
    expect(isValid(withDefault('long', '3.0'))).toBe(false);
    expect(isValid(withDefault({ type: 'map', values: { type: 'array', items: 'int' } }, '{"k":[1.0]}'))).toBe(false);
    expect(isValid(withDefault('int', '1'))).toBe(true);
    expect(isValid(withDefault('double', '1.0'))).toBe(true);
  });

  it('accepts any 64-bit long default exactly, and names one out of range as written', () => {
    expect(isValid(withDefault('long', '9007199254740993'))).toBe(true);
    expect(isValid(withDefault('long', '-9223372036854775808'))).toBe(true);
    expect(isValid(withDefault(record('I', [field('n', 'long')]), '{"n":9007199254740993}'))).toBe(true);
    expect(refusal(withDefault('long', '9223372036854775808'))).toContain('9223372036854775808');
    expect(isValid(withDefault('int', '2147483648'))).toBe(false);
  });

  it('takes strings as bytes, fixed and enum defaults without checking length or symbol, and prints a refused one as JSON', () => {
    expect(isValid(withDefault({ type: 'fixed', name: 'F', size: 2 }, '"abc"'))).toBe(true);
    expect(isValid(withDefault('bytes', '"\u20ac"'))).toBe(true);
    expect(isValid(withDefault(record('I', [field('e', statusEnum(['A']))]), '{"e":"Z"}'))).toBe(true);
    const message = refusal(withDefault({ type: 'fixed', name: 'F', size: 2 }, '3'));
    expect(message).toContain('3');
    expect(message).not.toContain('Buffer');
  });

  it('names the type a refused default must be a value of, as the issues of resolution name types', () => {
    expect(refusal(withDefault({ type: 'array', items: 'int' }, '[1,"x"]'))).toContain(`the default of field 'f' of record 'R', [1,"x"], is not a valid array of int`);
    expect(refusal(withDefault({ type: 'fixed', name: 'F', size: 2 }, '3'))).toContain("is not a valid fixed 'F' of 2 bytes");
    expect(refusal(withDefault(['null', 'long'], '1'))).toContain('is not a valid union [null, long]');
  });

  it('accepts an enum whose default is null or not a string, as an enum without a default', () => {
    const reader = statusEnum(['PLACED'], { default: null });

    expect(isValid(reader)).toBe(true);
    expect(isValid(statusEnum(['PLACED'], { default: 1 }))).toBe(true);
    expect(canRead(reader, statusEnum(['PLACED', 'SHIPPED'])).map((issue) => issue.rule)).toEqual([R.ENUM_SYMBOL_MISSING]);
    expect(isValid(statusEnum(['PLACED'], { default: 'SHIPPED' }))).toBe(false);
  });

  it('refuses a union default that suits only a later branch, as Java checks the first branch only', () => {
    expect(isValid(withDefault(['null', 'string'], '"x"'))).toBe(false);
    expect(isValid(withDefault(['string', 'null'], '"x"'))).toBe(true);
  });

  it('refuses a default of a record given inside its own definition, whose fields Java has not set yet', () => {
    expect(isValid(record('R', [field('self', ['null', 'R'], { default: null }), field('x', 'R', { default: {} })]))).toBe(false);
  });

  it('accepts names made of letters and digits in any script, and refuses other characters', () => {
    expect(isValid(record('Ärger', [field('größe', 'int')]))).toBe(true);
    expect(isValid(record('名前', [field('値', statusEnum(['Ä']))]))).toBe(true);
    expect(isValid(record('R-1', []))).toBe(false);
    expect(isValid(record('1R', []))).toBe(false);
    // Namespaces are not checked, only the last part of a name.
    expect(isValid(record('R', [], { namespace: '1x..y' }))).toBe(true);
  });

  it('resolves a short name from inside a namespace in that namespace, then in the null namespace', () => {
    const top = record('Top', [field('x', 'int')], { namespace: '' });
    const outer = record('Outer', [field('a', top), field('b', 'Top')], { namespace: 'n' });

    expect(isValid(outer)).toBe(true);
    expect(canRead(outer, outer)).toEqual([]);
  });

  it('accepts a reference written as {"type": "Name"}', () => {
    expect(isValid(record('Outer', [field('a', record('In', [])), field('b', { type: 'In' })]))).toBe(true);
  });

  it('accepts the empty union, which nothing can be written to and no value can be read into', () => {
    expect(isValid([])).toBe(true);
    expect(canRead([], [])).toEqual([]);
    expect(canRead('int', [])).toEqual([]);
    expect(canRead([], 'int').map((issue) => issue.rule)).toEqual([R.UNION_NO_MATCHING_BRANCH]);
  });

  it('refuses a type named after a primitive only in the null namespace', () => {
    expect(isValid(record('int', []))).toBe(false);
    expect(isValid(record('int', [], { namespace: 'n' }))).toBe(true);
  });

  it('accepts an enum of no symbols, and refuses a fixed size written 4.0', () => {
    expect(isValid(statusEnum([]))).toBe(true);
    expect(isValid('{"type":"fixed","name":"F","size":4.0}')).toBe(false);
    expect(isValid('{"type":"fixed","name":"F","size":4}')).toBe(true);
  });

  it('accepts unions holding several named types, or several numeric types', () => {
    const a = record('A', [field('x', 'int')]);
    const b = record('B', [field('y', 'string')]);
    const unions = [[a, b], ['int', 'double'], ['string', statusEnum(['A'])], ['bytes', { type: 'fixed', name: 'F', size: 2 }], [{ type: 'map', values: 'int' }, a]];
    for (const union of unions) {
      expect(canRead(order(field('u', union)), order(field('u', union))), JSON.stringify(union)).toEqual([]);
    }
    expect(canRead([a, b], b)).toEqual([]);
    expect(canRead(['int', 'double'], 'long')).toEqual([]);
  });
});

// --- resolution as Avro Java's SchemaCompatibility judges it -----------------

/** A chain of `depth` records, each holding the next in field `next`, the last holding `leaf`; built as text, without recursion. */
function nestedChain(depth: number, leaf: string): string {
  let text = JSON.stringify(leaf);
  for (let level = depth - 1; level >= 0; level -= 1) text = `{"type":"record","name":"L${level}","fields":[{"name":"next","type":${text}}]}`;
  return text;
}

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

  it('reads a writer type with any reader union branch that reads it without an issue', () => {
    const writer = record('A', [field('x', 'int')]);
    const sameNameDiffers = record('A', [field('x', 'string')]);
    const aliasReads = record('C', [field('x', 'int')], { aliases: ['A'] });

    expect(canRead([sameNameDiffers, aliasReads], writer)).toEqual([]);
    // When no branch reads it, the issues are those of the branch of the writer's name.
    expect(canRead([sameNameDiffers], writer).map((issue) => [issue.rule, issue.path])).toEqual([[R.TYPE_MISMATCH, '$<union:A>.x']]);
  });

  it('walks a chain of 900 nested records, and far deeper ones, without overflowing the stack', () => {
    expect(canRead(nestedChain(900, 'long'), nestedChain(900, 'int'))).toEqual([]);
    const [issue, ...rest] = canRead(nestedChain(5_000, 'int'), nestedChain(5_000, 'string'));
    expect(rest).toEqual([]);
    expect(issue?.rule).toBe(R.TYPE_MISMATCH);
    expect(issue?.path).toBe(`L0${'.next'.repeat(5_000)}`);
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
