/**
 * What the decoder's documented contract says a value Avro Java decoded must
 * look like in JavaScript, written from the contract and the Avro
 * specification alone: nothing here comes from the decoder under test.
 *
 *   long (any logical type but timestamp-millis)  a number when |v| <= 2^53 - 1, else a bigint
 *   timestamp-millis                              a Date whose getTime() is the long; beyond a
 *                                                 Date's range (|ms| > 8.64e15) the record is refused
 *   int (date, time-millis too)                   a number
 *   float, double                                 the very same IEEE value (NaN, ±Infinity, -0 included)
 *   decimal (bytes or fixed)                      the exact decimal text of unscaled / 10^scale
 *   bytes, fixed                                  Buffers
 *   string, uuid, enum                            strings
 *   union a value tells apart                     the branch's value, unwrapped
 *   union a value cannot tell apart               wrapped as Avro's JSON encoding writes it,
 *                                                 { "<branch name>": value }, null staying null
 *   a logical type Avro Java ignores              the plain underlying type, as Avro Java reads it
 *
 * A value cannot tell two branches apart when both decode to the same kind
 * of JavaScript value (avsc's 'auto' wrapUnions): records and maps are
 * objects; int, long, float and double numbers; string, enum and decimal
 * strings; bytes and fixed Buffers. A timestamp-millis is a Date, so it
 * shares with no other branch. The branch name is a named type's full name
 * (`a.Thing`, never its short name, which two namespaces may share) and the
 * type's name otherwise (`int`, `double`, `map`, `bytes`, ...).
 *
 * Avro Java ignores a logical type on an underlying type it does not fit
 * (a decimal on a long, a timestamp-millis on an int) and one whose
 * attributes are invalid (a decimal without a precision, or with a scale
 * beyond it, or more digits than its fixed holds): the value reads as the
 * plain underlying type, and so must ours.
 */
import { branchOf, fieldPath, mapEntries, unionOf, type AvroJson } from './avro-java-value.js';
import { branchName, type AvroType } from './avro-type.js';

/** The largest magnitude of epoch milliseconds a JavaScript Date holds (ECMA-262, Time Values). */
export const DATE_LIMIT_MS = 8_640_000_000_000_000n;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** Counts and differences of one comparison. */
export interface Comparison {
  /** Leaf values compared (a null, number, string, bytes, enum symbol, ...). */
  values: number;
  readonly differences: string[];
}

/**
 * Compares what our decoder returned with what the contract makes of Avro
 * Java's value, strictly: a number where a bigint is due, a Date off by a
 * millisecond, a float widened to a nearby double or a Buffer where a string
 * is due are all differences.
 */
export function compareWithAvroJava(type: AvroType, avro: AvroJson, ours: unknown, path: string, comparison: Comparison): void {
  const differ = (expected: string): void => {
    comparison.differences.push(`${path || '(root)'}: Avro Java ${expected}, ours ${describeValue(ours)}`);
  };
  const leaf = (): void => {
    comparison.values += 1;
  };
  switch (type.kind) {
    case 'null':
      leaf();
      if (ours !== null) differ('null');
      return;
    case 'boolean':
      leaf();
      if (ours !== avro) differ(JSON.stringify(avro));
      return;
    case 'int':
      leaf();
      if (typeof ours !== 'number' || ours !== avro) differ(`${JSON.stringify(avro)} (${typeLabel(type)}), so the number ${JSON.stringify(avro)}`);
      return;
    case 'long': {
      leaf();
      const long = BigInt(avro as string);
      if (type.logicalType === 'timestamp-millis') {
        if (long > DATE_LIMIT_MS || long < -DATE_LIMIT_MS) {
          differ(`timestamp-millis ${long}, beyond a Date's range: no value, the record refused`);
          return;
        }
        if (!(ours instanceof Date) || ours.getTime() !== Number(long)) differ(`timestamp-millis ${long}, so a Date of ${new Date(Number(long)).toISOString()}`);
        return;
      }
      const expected = exactLong(long);
      if (typeof ours !== typeof expected || ours !== expected) {
        differ(`${long} (${typeLabel(type)}), so the ${typeof expected} ${String(expected)}${typeof expected === 'bigint' ? 'n' : ''}`);
      }
      return;
    }
    case 'float':
    case 'double': {
      leaf();
      const expected = ieeeValue(type.kind, avro as string);
      if (typeof ours !== 'number' || !Object.is(ours, expected)) differ(`${type.kind} ${numberText(expected)} (bits ${JSON.stringify(avro)})`);
      return;
    }
    case 'string':
    case 'enum':
      leaf();
      if (ours !== avro) differ(JSON.stringify(avro));
      return;
    case 'bytes':
    case 'fixed': {
      leaf();
      if (type.logicalType === 'decimal') {
        const expected = decimalText(avro as string, type.scale ?? 0);
        if (ours !== expected) differ(`decimal ${expected} (unscaled bytes ${JSON.stringify(avro)})`);
      } else if (!Buffer.isBuffer(ours) || ours.toString('hex') !== avro) {
        differ(`${type.kind} ${JSON.stringify(avro)}`);
      }
      return;
    }
    case 'array': {
      const items = avro as AvroJson[];
      if (!Array.isArray(ours) || ours.length !== items.length) {
        differ(`an array of ${items.length}`);
        return;
      }
      items.forEach((item, i) => compareWithAvroJava(type.items, item, ours[i], `${path}[${i}]`, comparison));
      return;
    }
    case 'map': {
      const entries = mapEntries(avro);
      const keys = entries.map(([key]) => key);
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), keys)) {
        differ(`a map with keys ${JSON.stringify(keys)}`);
        return;
      }
      for (const [key, value] of entries) compareWithAvroJava(type.values, value, ours[key], `${path}[${JSON.stringify(key)}]`, comparison);
      return;
    }
    case 'union': {
      const { branch, value } = unionOf(avro);
      const chosen = branchOf(type, branch);
      if (!type.wrapped || chosen.kind === 'null') {
        compareWithAvroJava(chosen, value, ours, path, comparison);
        return;
      }
      const name = branchName(chosen);
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), [name])) {
        differ(`the ${name} branch of a union a value cannot tell apart, so { ${JSON.stringify(name)}: ... }`);
        return;
      }
      compareWithAvroJava(chosen, value, ours[name], `${path}<${name}>`, comparison);
      return;
    }
    case 'record': {
      const fields = avro as Record<string, AvroJson>;
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), type.fields.map((field) => field.name))) {
        differ(`a ${type.name} record with fields ${type.fields.map((field) => field.name).join(', ')}`);
        return;
      }
      for (const field of type.fields) compareWithAvroJava(field.type, fields[field.name] ?? null, ours[field.name], fieldPath(path, field.name), comparison);
      return;
    }
  }
}

/**
 * The value an application would hand our encoder for Avro Java's value,
 * in the representation the contract decodes to: exact longs, Dates,
 * decimal text, Buffers, unions unwrapped or wrapped as they decode.
 * Undefined where no such value exists (a timestamp-millis beyond a Date's
 * range).
 */
export function encoderInput(type: AvroType, avro: AvroJson): unknown {
  switch (type.kind) {
    case 'long': {
      const long = BigInt(avro as string);
      if (type.logicalType === 'timestamp-millis') return new Date(Number(long));
      return exactLong(long);
    }
    case 'float':
    case 'double':
      return ieeeValue(type.kind, avro as string);
    case 'bytes':
    case 'fixed':
      return type.logicalType === 'decimal' ? decimalText(avro as string, type.scale ?? 0) : Buffer.from(avro as string, 'hex');
    case 'array':
      return (avro as AvroJson[]).map((item) => encoderInput(type.items, item));
    case 'map':
      return Object.fromEntries(mapEntries(avro).map(([key, value]) => [key, encoderInput(type.values, value)]));
    case 'union': {
      const { branch, value } = unionOf(avro);
      const chosen = branchOf(type, branch);
      const input = encoderInput(chosen, value);
      return type.wrapped && chosen.kind !== 'null' ? { [branchName(chosen)]: input } : input;
    }
    case 'record':
      return Object.fromEntries(type.fields.map((field) => [field.name, encoderInput(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null)]));
    default:
      return avro;
  }
}

/** The contract's exact long: a number while every integer around it is a distinct double, a bigint beyond. */
function exactLong(long: bigint): number | bigint {
  return long >= -MAX_EXACT && long <= MAX_EXACT ? Number(long) : long;
}

/** The IEEE value of a float's 32 or a double's 64 bits, as hex. */
function ieeeValue(kind: 'float' | 'double', bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  if (kind === 'float') {
    view.setUint32(0, Number.parseInt(bits, 16));
    return view.getFloat32(0);
  }
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

/** unscaled / 10^scale as exact text, the unscaled value being big-endian two's complement (Avro's decimal). */
export function decimalText(twosComplementHex: string, scale: number): string {
  if (twosComplementHex === '') return scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  const raw = BigInt(`0x${twosComplementHex}`);
  const bits = BigInt(twosComplementHex.length * 4);
  const unscaled = raw >= 1n << (bits - 1n) ? raw - (1n << bits) : raw;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return unscaled < 0n ? `-${text}` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

function sameKeys(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && [...actual].sort().join('\u0000') === [...expected].sort().join('\u0000');
}

/** `long`, `long, timestamp-micros`, or `long, decimal ignored` for failure messages. */
function typeLabel(type: { readonly kind: string; readonly logicalType?: string; readonly ignoredLogicalType?: string }): string {
  if (type.logicalType !== undefined) return `${type.kind}, ${type.logicalType}`;
  return type.ignoredLogicalType === undefined ? type.kind : `${type.kind}, ${type.ignoredLogicalType} ignored as Avro Java does`;
}

function numberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A value as a failure message shows it, types visible: 12 and 12n and "12" differ. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return `the number ${numberText(value)}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `a Date of ${value.toISOString()} (${value.getTime()} ms)`;
  if (Buffer.isBuffer(value)) return `a Buffer ${value.toString('hex')}`;
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 120);
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return text === undefined ? typeof value : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
