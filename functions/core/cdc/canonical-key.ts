import { ChangeEventError, ChangeEventErrorReason } from './errors.js';
import { fieldOf, isRoundedInteger, joinPath, kindOf } from './record-fields.js';
import type { Fields } from './record-fields.js';

/**
 * The canonical key of a row: `JSON.stringify` of an array holding one
 * string per key column, in `keyColumns` order, e.g. `'["SKU-1","7"]'`.
 *
 * The same column value reaches us in different clothes: a Postgres bigint
 * is a JSON number, an Avro long (number, or bigint beyond 2^53), or a
 * string; a numeric(10,2) is a JSON number (`decimal.handling.mode=double`),
 * or an exact string (`string` mode, or our Avro decimal decoding) that keeps
 * its scale ("12.50"). So each value is turned into one string:
 *
 * - numbers, bigints, and strings that are plain decimal numerals
 *   (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`: no exponent, no leading zeros, no `+`)
 *   become the shortest plain decimal numeral of that value: trailing
 *   fractional zeros and a lone point dropped, `-0` is `0`. So `42`, `42n`,
 *   `"42"` and `"42.0"` all give `"42"`; `12.5` and `"12.50"` give `"12.5"`.
 * - a number is only accepted while it is exact: an integer must be a safe
 *   integer (beyond 2^53 JSON.parse has already rounded it), and a fraction
 *   may have at most 15 significant digits (what a double holds exactly). A
 *   longer decimal must arrive as a string or a bigint.
 * - any other string is kept as it is (`"007"` stays `"007"`).
 * - booleans become `"true"` / `"false"`.
 * - a Date (Avro `timestamp-millis`) becomes its epoch millis, which is what
 *   the JSON converter writes for the same column.
 * - bytes (Avro `bytes`/`fixed`) become base64, which is what the JSON
 *   converter writes for them. A base64 string is never rewritten by the
 *   numeral rule (it has no `.`/`-` and digit-only base64 keeps its leading
 *   zeros), so bytes and their base64 text agree.
 * - null, undefined, objects, arrays, NaN and infinities are not keys.
 *
 * The price of this: in a text key column, `"1.50"` and `"1.5"` are the same
 * key, as are `"true"` and `true`. Key columns rarely hold such text; a
 * table whose keys do must not be projected with this rule.
 */
export function canonicalKey(image: Fields, keyColumns: readonly string[], imagePath: string): string {
  const parts = keyColumns.map((column) => {
    const field = joinPath(imagePath, column);
    const value = fieldOf(image, column);
    if (value === undefined || value === null) {
      throw new ChangeEventError(
        ChangeEventErrorReason.MISSING_KEY_COLUMN,
        `${field} is ${value === null ? 'null' : 'missing'}: key column '${column}' must hold a value in ${imagePath === '' ? 'the row' : imagePath}`,
        { field },
      );
    }
    const canonical = canonicalKeyValue(value);
    if (canonical === undefined) {
      const why = isRoundedInteger(value)
        ? 'a number beyond 2^53, which JSON.parse has rounded; send it as a string or an Avro long'
        : typeof value === 'number' && Number.isFinite(value)
          ? 'a number with more than 15 significant digits, which a double cannot hold exactly; send it as a string'
          : `${kindOf(value)}, which cannot be a key value`;
      throw new ChangeEventError(ChangeEventErrorReason.INVALID_KEY_VALUE, `${field} is ${why}`, { field });
    }
    return canonical;
  });
  return JSON.stringify(parts);
}

/** The canonical string of one key value (see `canonicalKey`); `undefined` when the value cannot be a key. */
export function canonicalKeyValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return canonicalNumeral(value) ?? value;
    case 'bigint':
      return value.toString();
    case 'number':
      return canonicalNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value instanceof Date) {
        const millis = value.getTime();
        return Number.isNaN(millis) ? undefined : String(millis);
      }
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
      return undefined;
    default:
      return undefined;
  }
}

const PLAIN_NUMERAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/** The shortest form of a plain decimal numeral, or `undefined` if the text is not one. */
function canonicalNumeral(text: string): string | undefined {
  const match = PLAIN_NUMERAL.exec(text);
  if (match === null) return undefined;
  const [, sign = '', integer = '', fraction = ''] = match;
  const trimmed = fraction.replace(/0+$/, '');
  const magnitude = trimmed === '' ? integer : `${integer}.${trimmed}`;
  return magnitude === '0' ? '0' : sign + magnitude;
}

/** Digits a double holds exactly: every decimal of up to 15 significant digits survives a round trip (DBL_DIG). */
const EXACT_DOUBLE_DIGITS = 15;

function canonicalNumber(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Number.isInteger(value)) return Number.isSafeInteger(value) ? canonicalNumeral(String(value)) : undefined;
  // String() gives the shortest digits that read back as this double; with at
  // most 15 significant digits they are exactly the digits the producer wrote.
  const text = plainDecimal(String(value));
  const significant = text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (significant.length > EXACT_DOUBLE_DIGITS) return undefined;
  return canonicalNumeral(text);
}

/** Rewrites JavaScript's exponent notation (`1.5e-7`) as a plain decimal (`0.00000015`). */
function plainDecimal(text: string): string {
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (match === null) return text;
  const [, sign = '', lead = '', rest = '', exponent = '0'] = match;
  const digits = lead + rest;
  const point = 1 + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
