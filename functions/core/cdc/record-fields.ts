/**
 * Reading loosely typed record values: parsed JSON, or Avro-decoded objects
 * (record instances, unwrapped unions, longs as number or bigint, Dates,
 * Buffers). Shared by the parsers; no format knowledge lives here.
 */
import { CdcOptionError } from './errors.js';

export type Fields = Readonly<Record<string, unknown>>;

/** A struct-like value: a plain object or an Avro record instance, but not an array, Date or byte buffer. */
export function isFields(value: unknown): value is Fields {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  );
}

/** An own field of a struct; `undefined` when absent (so prototype names such as `constructor` never match). */
export function fieldOf(fields: Fields, name: string): unknown {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** The kind of a value, for error messages that must not carry the value itself. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (value instanceof Uint8Array) return 'bytes';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'undefined':
      return 'missing';
    case 'number':
      return Number.isFinite(value) ? 'a number' : `the number ${String(value)}`;
    default:
      return `a ${typeof value}`;
  }
}

/**
 * An integer written as a number, bigint or decimal-digit string, exactly;
 * `undefined` for anything else. A number beyond 2^53 is refused: JSON.parse
 * has already rounded it, so it is no longer the integer the source wrote.
 */
export function exactInteger(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^-?\d{1,40}$/.test(value)) return BigInt(value);
  return undefined;
}

/** True for a number that is an integer but too large to be exact (see `exactInteger`). */
export function isRoundedInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value);
}

/** Dotted path of a field, for messages: `joinPath('payload.after', 'sku')` is `payload.after.sku`. */
export function joinPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/**
 * Checks the parser options every caller passes. A wrong option is a bug in
 * the processor definition, not a bad record, so it is a CdcOptionError.
 */
export function assertKeyColumns(keyColumns: readonly string[]): void {
  if (!Array.isArray(keyColumns) || keyColumns.length === 0) {
    throw new CdcOptionError('options.keyColumns must name at least one key column');
  }
  for (const column of keyColumns) {
    if (typeof column !== 'string' || column === '') {
      throw new CdcOptionError(`options.keyColumns must hold non-empty column names, got ${kindOf(column)}`);
    }
  }
  if (new Set(keyColumns).size !== keyColumns.length) {
    throw new CdcOptionError(`options.keyColumns names a column twice: ${keyColumns.join(', ')}`);
  }
}
