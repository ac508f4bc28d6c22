import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapedNamesOf, parseAvroSchema, withDefaults } from '../../../functions/core/serde/avro-schema.js';
import { escapeNames, restoreNames, type AvscNames } from '../../../functions/core/serde/avsc-names.js';
import { DecodeError, JsonSyntaxError, SchemaParseError, SchemaValidationError, UnsupportedSchemaError } from '../../../functions/core/serde/errors.js';

const decimal = (precision: number, scale: number, underlying: object = { type: 'bytes' }) =>
  parseAvroSchema({ ...underlying, logicalType: 'decimal', precision, scale } as never);

describe('long', () => {
  const long = parseAvroSchema('"long"');

  it('decodes longs that fit a double exactly as numbers', () => {
    expect(long.fromBuffer(long.toBuffer(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(long.fromBuffer(long.toBuffer(-42))).toBe(-42);
  });

  it('draws the line between numbers and bigints exactly at the safe integers', () => {
    expect(long.fromBuffer(long.toBuffer(2n ** 53n - 1n))).toBe(2 ** 53 - 1);
    expect(long.fromBuffer(long.toBuffer(-(2n ** 53n) + 1n))).toBe(-(2 ** 53) + 1);
    expect(long.fromBuffer(long.toBuffer(2n ** 53n))).toBe(2n ** 53n);
    expect(long.fromBuffer(long.toBuffer(-(2n ** 53n)))).toBe(-(2n ** 53n));
    expect(long.fromBuffer(long.toBuffer(-(2n ** 32n)))).toBe(-(2 ** 32));
    expect(long.fromBuffer(long.toBuffer(2n ** 32n - 1n))).toBe(2 ** 32 - 1);
  });

  it('decodes longs beyond 2^53 as exact bigints', () => {
    expect(long.fromBuffer(long.toBuffer(2n ** 63n - 1n))).toBe(2n ** 63n - 1n);
    expect(long.fromBuffer(long.toBuffer(-(2n ** 63n)))).toBe(-(2n ** 63n));
  });

  it('round-trips every 64-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(BigInt(long.fromBuffer(long.toBuffer(n)) as number | bigint)).toBe(n);
      }),
    );
  });

  it('rejects values outside the 64-bit range and fractions', () => {
    expect(long.isValid(2n ** 63n)).toBe(false);
    expect(long.isValid(1.5)).toBe(false);
  });
});

describe('longs written as objects, with or without a logical type', () => {
  const plain = parseAvroSchema('"long"');
  // A long the writer encoded, decoded through each form a schema may give a long.
  const through = (schema: object, value: number | bigint): unknown => parseAvroSchema(schema as never).fromBuffer(plain.toBuffer(value));
  const forms = [
    { type: 'long' },
    { type: 'long', logicalType: 'timestamp-micros' },
    { type: 'long', logicalType: 'local-timestamp-millis' },
    { type: 'long', logicalType: 'local-timestamp-micros' },
    { type: 'long', logicalType: 'time-micros' },
  ];

  it.each(forms)('decodes every 64-bit value of %j exactly', (form) => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        expect(BigInt(through(form, n) as number | bigint)).toBe(n);
      }),
    );
    // Where floating-point arithmetic would round: -(2^52 + 1) came back as +2^52.
    expect(through(form, -(2 ** 52 + 1))).toBe(-(2 ** 52 + 1));
    expect(through(form, 2n ** 53n + 1n)).toBe(2n ** 53n + 1n);
  });

  it('reads a logical type on a type it does not belong on as the plain type, as Avro Java does', () => {
    for (const form of [{ type: 'long', logicalType: 'decimal', precision: 10, scale: 2 }, { type: 'long', logicalType: 'decimal' }]) {
      expect(through(form, -(2 ** 52 + 1))).toBe(-(2 ** 52 + 1));
      expect(through(form, -(2n ** 63n))).toBe(-(2n ** 63n));
    }
    const int = parseAvroSchema({ type: 'int', logicalType: 'timestamp-millis' } as never);
    expect(int.fromBuffer(int.toBuffer(1_000))).toBe(1_000);
  });

  it('gives each use of one shared schema object its own logical type', () => {
    const occurredAt = { type: 'long', logicalType: 'timestamp-millis' };
    const record = parseAvroSchema({ type: 'record', name: 'Two', fields: [{ name: 'a', type: occurredAt }, { name: 'b', type: occurredAt }] } as never);
    expect(record.fromBuffer(record.toBuffer({ a: new Date(1_000), b: new Date(2_000) }))).toEqual({ a: new Date(1_000), b: new Date(2_000) });
  });

  it('keeps a record of logical-type longs exact, field by field', () => {
    const record = parseAvroSchema({
      type: 'record',
      name: 'Times',
      fields: [
        { name: 'micros', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'maybe', type: ['null', { type: 'long', logicalType: 'local-timestamp-micros' }] },
      ],
    });
    const value = { micros: -(2n ** 63n), maybe: 2n ** 63n - 1n };
    expect(record.fromBuffer(record.toBuffer(value))).toEqual(value);
  });
});

describe('timestamp-millis', () => {
  const ts = parseAvroSchema({ type: 'long', logicalType: 'timestamp-millis' });
  const long = parseAvroSchema('"long"');

  it('decodes as a Date and encodes from a Date, epoch millis or ISO text', () => {
    const at = new Date('2026-03-01T12:34:56.789Z');
    expect(ts.fromBuffer(ts.toBuffer(at))).toEqual(at);
    expect(ts.fromBuffer(ts.toBuffer(at.getTime()))).toEqual(at);
    expect(ts.fromBuffer(ts.toBuffer(at.toISOString()))).toEqual(at);
  });

  it('rejects text that is not a date', () => {
    expect(ts.isValid('yesterday')).toBe(false);
  });

  it('reads data written as a plain long or int', () => {
    expect(ts.fromBuffer(long.toBuffer(1_000), ts.createResolver(long))).toEqual(new Date(1_000));
  });

  it('decodes every millisecond a Date can hold exactly, to the edges of its range', () => {
    for (const millis of [-8.64e15, -(2 ** 52 + 1), -1, 0, 2 ** 52 + 1, 8.64e15]) {
      expect((ts.fromBuffer(long.toBuffer(millis)) as Date).getTime()).toBe(millis);
    }
  });

  it('refuses a long beyond what a Date can hold as a VALIDATION_ERROR, where it was an Invalid Date', () => {
    for (const millis of [8.64e15 + 1, -8.64e15 - 1, 2n ** 63n - 1n, -(2n ** 63n)]) {
      const decoding = (): unknown => ts.fromBuffer(long.toBuffer(millis));
      expect(decoding).toThrow(SchemaValidationError);
      expect(decoding).toThrow(/outside what a JavaScript Date can hold/);
    }
    expect((): unknown => ts.fromBuffer(long.toBuffer(2n ** 63n - 1n), ts.createResolver(long))).toThrow(SchemaValidationError);
  });
});

describe('decimal', () => {
  it('decodes as an exact string with the scale', () => {
    const money = decimal(12, 2);
    expect(money.fromBuffer(money.toBuffer('19.99'))).toBe('19.99');
    expect(money.fromBuffer(money.toBuffer('-0.5'))).toBe('-0.50');
    expect(money.fromBuffer(money.toBuffer(3))).toBe('3.00');
    expect(money.fromBuffer(money.toBuffer(7n))).toBe('7.00');
  });

  it('round-trips any unscaled value within the precision, on bytes and on fixed', () => {
    const onBytes = decimal(18, 4);
    const onFixed = decimal(18, 4, { type: 'fixed', name: 'Money', size: 8 });
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }), (unscaled) => {
        const negative = unscaled < 0n;
        const digits = (negative ? -unscaled : unscaled).toString().padStart(5, '0');
        const text = `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
        expect(onBytes.fromBuffer(onBytes.toBuffer(text))).toBe(text);
        expect(onFixed.fromBuffer(onFixed.toBuffer(text))).toBe(text);
      }),
    );
  });

  it('refuses values that would need rounding or exceed the precision', () => {
    const money = decimal(5, 2);
    expect(money.isValid('1.234')).toBe(false);
    expect(money.isValid('1000.00')).toBe(false);
    expect(money.isValid('999.99')).toBe(true);
    expect(money.isValid('12abc')).toBe(false);
  });

  it('falls back to the underlying bytes when precision or scale is invalid, as the Avro specification asks', () => {
    expect(decimal(0, 0).typeName).toBe('bytes');
    expect(decimal(4, 5).typeName).toBe('bytes');
  });

  it('resolves a writer decimal of the same scale and lower precision, and refuses another scale', () => {
    const reader = decimal(12, 2);
    const narrower = decimal(10, 2);
    expect(reader.fromBuffer(narrower.toBuffer('1.25'), reader.createResolver(narrower))).toBe('1.25');
    expect(() => reader.createResolver(decimal(12, 3))).toThrow();
  });
});

describe('unions', () => {
  const record = (name: string, field: string, type: unknown = 'string') => ({ type: 'record', name, fields: [{ name: field, type }] });

  it('keeps values plain where the value says which branch it is', () => {
    const type = parseAvroSchema(['null', 'string', record('shop.Order', 'id')] as never);
    for (const value of [null, 'x', { id: 'o-1' }]) expect(type.fromBuffer(type.toBuffer(value))).toEqual(value);
  });

  it.each([
    ['two records', [record('shop.order.Created', 'id'), record('shop.customer.Created', 'id')], { 'shop.customer.Created': { id: 'c-1' } }, 1],
    ['two records of one short name, told apart by namespace', [record('a.X', 'n', 'int'), record('b.X', 'n', 'int')], { 'b.X': { n: 7 } }, 1],
    ['int and double', ['int', 'double'], { double: 1.5 }, 1],
    ['long and double, the long beyond 2^53', ['long', 'double'], { long: 2n ** 60n }, 0],
    ['int and long', ['int', 'long'], { long: 5 }, 1],
    ['string and an enum', ['string', { type: 'enum', name: 'Colour', symbols: ['RED'] }], { Colour: 'RED' }, 1],
    ['bytes and fixed', ['bytes', { type: 'fixed', name: 'Id', size: 2 }], { Id: Buffer.from([1, 2]) }, 1],
    ['a map and a record', [{ type: 'map', values: 'int' }, record('R', 'a', 'int')], { map: { a: 1 } }, 0],
  ])('holds %s, wrapped as Avro\'s JSON encoding writes it, and writes the branch the value names', (_what, union, value, index) => {
    const type = parseAvroSchema(['null', ...union] as never);
    const written = type.toBuffer(value);

    expect(type.fromBuffer(written)).toEqual(value);
    // Avro's union encoding: the branch index (zig-zag) first; null is branch 0.
    expect(written[0]).toBe((index + 1) * 2);
    expect(type.fromBuffer(type.toBuffer(null))).toBeNull();
  });

  it('fills defaults inside the branch a wrapped value names', () => {
    const withDefault = { type: 'record', name: 'shop.customer.Created', fields: [{ name: 'id', type: 'string' }, { name: 'tier', type: 'string', default: 'basic' }] };
    const type = parseAvroSchema({ type: 'record', name: 'Envelope', fields: [{ name: 'payload', type: [record('shop.order.Created', 'id'), withDefault] }] } as never);

    expect(withDefaults(type, { payload: { 'shop.customer.Created': { id: 'c-1' } } })).toEqual({ payload: { 'shop.customer.Created': { id: 'c-1', tier: 'basic' } } });
  });
});

describe('withDefaults', () => {
  const type = parseAvroSchema({
    type: 'record',
    name: 'Outer',
    fields: [
      { name: 'a', type: 'string' },
      { name: 'b', type: 'string', default: 'standard' },
      {
        name: 'inner',
        type: ['null', { type: 'record', name: 'Inner', fields: [{ name: 'c', type: 'int', default: 7 }] }],
        default: null,
      },
      { name: 'list', type: { type: 'array', items: 'Inner' }, default: [] },
    ],
  });

  it('fills missing fields from their defaults, recursively through unions and arrays', () => {
    expect(withDefaults(type, { a: 'x', inner: {}, list: [{}, { c: 1 }] })).toEqual({
      a: 'x',
      b: 'standard',
      inner: { c: 7 },
      list: [{ c: 7 }, { c: 1 }],
    });
  });

  it('leaves fields without a default missing, for validation to report', () => {
    expect(withDefaults(type, {})).toEqual({ b: 'standard', inner: null, list: [] });
  });
});

describe('aliases', () => {
  it.each([
    [{ type: 'record', name: 'R', aliases: 'Rec', fields: [] }, `the aliases of record 'R' must be an array of names, got "Rec"`],
    [{ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', aliases: 'b' }] }, `the aliases of field 'a' of record 'R' must be an array of names, got "b"`],
    [{ type: 'record', name: 'R', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'], aliases: [5] } }] }, `the aliases of enum 'E' must be an array of names, got [5]`],
    [{ type: 'array', items: { type: 'fixed', name: 'F', size: 2, aliases: {} } }, `the aliases of fixed 'F' must be an array of names, got {}`],
  ])('refuses %j, naming what has them', (schema, message) => {
    const parsing = (): unknown => parseAvroSchema(schema as never);
    expect(parsing).toThrow(SchemaParseError);
    expect(parsing).toThrow(message);
  });

  it('refuses text that is not JSON with a JsonSyntaxError naming where', () => {
    const parsing = (): unknown => parseAvroSchema('{"type": "record",');
    expect(parsing).toThrow(JsonSyntaxError);
    expect(parsing).toThrow('a malformed string at position 18 of the JSON text');
  });

  it('takes aliases given as arrays of names, on types and fields', () => {
    const type = parseAvroSchema({ type: 'record', name: 'R', aliases: ['Old'], fields: [{ name: 'a', type: 'int', aliases: ['b'] }] } as never);
    expect(type.toBuffer({ a: 1 })).toEqual(Buffer.from([2]));
  });
});

describe('schemas Avro Java accepts and avsc alone would refuse', () => {
  const record = (fields: unknown[], extra: object = {}) => JSON.stringify({ type: 'record', name: 'R', ...extra, fields });
  // What a reader of `reader` makes of a record written with `writer`.
  const read = (writer: string, reader: string, value: unknown): unknown => {
    const [w, r] = [parseAvroSchema(writer), parseAvroSchema(reader)];
    return r.fromBuffer(w.toBuffer(value), r.createResolver(w));
  };

  it('fills defaults written as "NaN" and "Infinity" for floats and doubles, and long defaults beyond 2^53 exactly', () => {
    const reader = '{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"d","type":"double","default":"NaN"},{"name":"f","type":"float","default":"-Infinity"},{"name":"l","type":"long","default":9007199254740993}]}';
    expect(read(record([{ name: 'a', type: 'int' }]), reader, { a: 1 })).toEqual({ a: 1, d: Number.NaN, f: Number.NEGATIVE_INFINITY, l: 2n ** 53n + 1n });
  });

  it('finds a short name in the null namespace from inside a namespaced record, as Avro Java does', () => {
    const schema = record([
      { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'n', type: 'int' }] } },
      { name: 'sub', type: { type: 'record', name: 'Sub', namespace: 'shop', fields: [{ name: 'again', type: 'Inner' }] } },
    ]);
    const value = { inner: { n: 1 }, sub: { again: { n: 2 } } };
    expect(read(schema, schema, value)).toEqual(value);
  });

  it('ignores an enum default that is not a symbol and aliases on types without a name', () => {
    const schema = record([
      { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'], default: null } },
      { name: 'l', type: { type: 'long', aliases: 'x' } },
    ]);
    expect(read(schema, schema, { e: 'A', l: 5 })).toEqual({ e: 'A', l: 5 });
  });

  it('reads an empty union where no value is needed, and refuses one where a value would be', () => {
    const schema = record([{ name: 'none', type: { type: 'array', items: [] } }]);
    const type = parseAvroSchema(schema);
    expect(type.fromBuffer(type.toBuffer({ none: [] }))).toEqual({ none: [] });
    // One item of the empty union: block count 1 (zig-zag 2), a branch index 0, then the end of the array.
    expect((): unknown => type.fromBuffer(Buffer.from([2, 0, 0]))).toThrow(/empty union/);
    expect((): unknown => type.fromBuffer(Buffer.from([2, 0, 0]))).toThrow(DecodeError);
  });

  it('reads {"type": "Name"} as a reference to Name, as Avro Java does', () => {
    const schema = record([{ name: 'a', type: { type: 'record', name: 'In', fields: [{ name: 'n', type: 'int' }] } }, { name: 'b', type: { type: 'In' } }]);
    expect(read(schema, schema, { a: { n: 1 }, b: { n: 2 } })).toEqual({ a: { n: 1 }, b: { n: 2 } });
  });

  it('leaves out a default no value of its field can be, so a reader needing it fails as it does in Avro Java', () => {
    const reader = record([
      { name: 'a', type: 'int' },
      { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] }, default: 'Z' },
      { name: 'f', type: { type: 'fixed', name: 'F', size: 2 }, default: 'abc' },
    ]);
    const type = parseAvroSchema(reader);
    expect(type.fromBuffer(type.toBuffer({ a: 1, e: 'B', f: Buffer.from('xy') }))).toEqual({ a: 1, e: 'B', f: Buffer.from('xy') });
    expect(() => parseAvroSchema(reader).createResolver(parseAvroSchema(record([{ name: 'a', type: 'int' }])))).toThrow();
  });

  it('compiles without its defaults a schema whose defaults hold values avsc refuses inside them, writing the same bytes', () => {
    const enumType = { type: 'enum', name: 'T', symbols: ['A', 'B'] };
    const schema = record([
      { name: 'x', type: { type: 'record', name: 'X', fields: [{ name: 'a', type: enumType }] }, default: { a: 'Z' } },
      { name: 'n', type: 'int', default: 7 },
    ]);
    const type = parseAvroSchema(schema);
    expect(type.toBuffer({ x: { a: 'B' }, n: 1 })).toEqual(Buffer.from([2, 2]));
  });

  it('refuses what avsc cannot hold at all, naming it: an enum without symbols', () => {
    const parsing = (): unknown => parseAvroSchema(record([{ name: 'e', type: { type: 'enum', name: 'E', symbols: [] } }]));
    expect(parsing).toThrow(UnsupportedSchemaError);
    expect(parsing).toThrow("enum 'E' has no symbols: valid Avro, but the pipeline's decoder (avsc) takes no enum without one");
  });

  it('holds names avsc cannot as Avro Java writes them: non-ASCII names, a namespace starting with a digit, a type named like a primitive', () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'Réservation',
      namespace: '1bad',
      fields: [
        { name: 'données', type: { type: 'enum', name: 'Größe', symbols: ['Klein', 'Groß'] }, default: 'Groß' },
        { name: 'int', type: { type: 'record', name: 'int', namespace: 'n', fields: [{ name: 'n', type: 'int' }] } },
        { name: 'either', type: [{ type: 'record', name: 'Ä', fields: [{ name: 'ö', type: 'string' }] }, { type: 'record', name: 'B', fields: [{ name: 'b', type: 'string' }] }] },
      ],
    });
    const type = parseAvroSchema(schema);
    const names = escapedNamesOf(type) as AvscNames;
    expect(names).toBeDefined();
    const value = { données: 'Groß', int: { n: 1 }, either: { '1bad.Ä': { ö: 'x' } } };
    const escaped = escapeNames(type, value, names);
    expect(restoreNames(type, type.fromBuffer(type.toBuffer(escaped)), names)).toEqual(value);
    // The bytes Avro Java writes: symbol 1, n = 1, union branch 0, the string "x". Names are not in the encoding.
    expect(type.toBuffer(escaped)).toEqual(Buffer.from([2, 2, 0, 2, 'x'.charCodeAt(0)]));
    // A reader with one more field fills its default with the symbol as written.
    const reader = parseAvroSchema(schema.replace('"fields":[', '"fields":[{"name":"extra","type":{"type":"enum","name":"Farbe","symbols":["Grün"]},"default":"Grün"},'));
    const read: unknown = reader.fromBuffer(type.toBuffer(escaped), reader.createResolver(type));
    expect(restoreNames(reader, read, escapedNamesOf(reader) as AvscNames)).toEqual({ extra: 'Grün', ...value });
  });

  it('keeps a schema whose names avsc holds as written free of any translation', () => {
    expect(escapedNamesOf(parseAvroSchema(record([{ name: 'order_id', type: 'string' }, { name: 'long', type: 'long' }])))).toBeUndefined();
  });
});
