// Which schemas the compatibility checker takes as valid Avro, as Avro Java
// (which the Glue Schema Registry runs) judges them: defaults, names,
// namespaces, empty unions and enums, and unions of several named types.
import { describe, expect, it } from 'vitest';
import { canRead } from '../../../functions/core/serde/compatibility.js';
import type { AvroSchemaInput } from '../../../functions/core/serde/compatibility.js';
import { InvalidSchemaError } from '../../../functions/core/serde/errors.js';
import { field, order, R, record, statusEnum } from './compatibility-fixtures.js';

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
