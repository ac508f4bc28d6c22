import avro from './avsc.js';
import type { Schema, Type } from 'avsc';
import { DecodeError, SchemaValidationError } from './errors.js';

/**
 * Avro logical types the pipeline understands. Everything else (date,
 * time-millis, uuid, ...) decodes as its underlying type, which is what the
 * Avro specification asks of readers that do not know a logical type.
 */

/** The furthest a JavaScript `Date` reaches either side of the epoch, in millis. */
const MAX_TIMESTAMP_MS = 8.64e15;

/**
 * `timestamp-millis` on a long: decoded as a `Date`, encoded from a `Date`,
 * epoch millis or ISO string. A long beyond a `Date`'s range (about 275,000
 * years either side of 1970) is refused as a VALIDATION_ERROR: Avro allows
 * it, but a `Date` cannot hold it, and an `Invalid Date` would pass for a
 * value until something formats it.
 */
export class TimestampMillisType extends avro.types.LogicalType {
  public constructor(schema: Schema, opts?: unknown) {
    // On anything but a long Avro Java ignores the logical type; throwing here makes avsc read the plain type.
    // avsc catches what a logical type's constructor throws, so these never reach a caller.
    if ((schema as { type?: unknown }).type !== 'long') throw new Error('timestamp-millis logical type belongs on a long');
    super(schema, opts);
  }

  protected override _fromValue(value: unknown): Date {
    const millis = typeof value === 'bigint' || typeof value === 'number' ? value : Number.NaN;
    if (typeof millis === 'bigint' || !Number.isInteger(millis) || Math.abs(millis) > MAX_TIMESTAMP_MS) {
      throw new SchemaValidationError(`timestamp-millis ${String(millis)} is outside what a JavaScript Date can hold (±${MAX_TIMESTAMP_MS} ms from the epoch)`);
    }
    return new Date(millis);
  }

  protected override _toValue(input: unknown): number | undefined {
    const millis =
      input instanceof Date ? input.getTime()
      : typeof input === 'number' ? input
      : typeof input === 'bigint' ? Number(input)
      : typeof input === 'string' ? Date.parse(input)
      : Number.NaN;
    if (!Number.isInteger(millis) || Math.abs(millis) > MAX_TIMESTAMP_MS) return undefined;
    return millis;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    // A writer's timestamp-millis hands over the Date it already decoded (and range-checked).
    if (avro.Type.isType(type, 'logical:timestamp-millis')) return (value: unknown) => value;
    // 'abstract:long' is the pipeline's exact long (see avro-schema.ts).
    if (avro.Type.isType(type, 'long', 'abstract:long', 'int')) return (value: unknown) => this._fromValue(value);
    return undefined;
  }
}

/**
 * `decimal` on bytes or fixed: decoded as an exact decimal string (a JS
 * number would silently round money), encoded from a string, bigint or
 * number. The unscaled value is a big-endian two's-complement integer.
 */
export class DecimalType extends avro.types.LogicalType {
  private readonly precision: number;
  private readonly scale: number;
  private readonly fixedSize: number | undefined;

  public constructor(schema: Schema, opts?: unknown) {
    // Thrown before anything is built, so avsc reads the plain type instead, as Avro Java ignores the logical type.
    // avsc catches what a logical type's constructor throws (these below too), so none reaches a caller.
    const { type } = schema as { type?: unknown };
    if (type !== 'bytes' && type !== 'fixed') throw new Error(`decimal logical type belongs on bytes or fixed, not ${JSON.stringify(type)}`);
    super(schema, opts);
    const attrs = schema as { precision?: unknown; scale?: unknown; size?: unknown };
    const precision = attrs.precision;
    const scale = attrs.scale ?? 0;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal logical type needs a positive integer precision, got ${String(precision)}`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal scale must be an integer from 0 to the precision (${precision}), got ${JSON.stringify(scale)}`);
    }
    this.precision = precision;
    this.scale = scale;
    this.fixedSize = typeof attrs.size === 'number' ? attrs.size : undefined;
  }

  protected override _fromValue(bytes: Buffer): string {
    return formatUnscaled(fromTwosComplement(bytes), this.scale);
  }

  protected override _toValue(input: unknown): Buffer | undefined {
    const unscaled = toUnscaled(input, this.scale);
    if (unscaled === undefined) return undefined;
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
    if (digits > this.precision) return undefined;
    return toTwosComplement(unscaled, this.fixedSize);
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (type instanceof DecimalType && type.scale === this.scale && type.precision <= this.precision) {
      return (value: unknown) => value;
    }
    return undefined;
  }

  protected override _export(schema: Schema): void {
    Object.assign(schema as object, { precision: this.precision, scale: this.scale });
  }
}

function fromTwosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const signBit = 1n << BigInt(bytes.length * 8 - 1);
  return value & signBit ? value - (signBit << 1n) : value;
}

function toTwosComplement(value: bigint, size: number | undefined): Buffer | undefined {
  let length = 1;
  while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length += 1;
  if (size !== undefined) {
    if (length > size) return undefined;
    length = size;
  }
  const out = Buffer.alloc(length);
  let rest = value < 0n ? (1n << BigInt(length * 8)) + value : value;
  for (let i = length - 1; i >= 0; i -= 1) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d*))?$/;

function toUnscaled(input: unknown, scale: number): bigint | undefined {
  if (typeof input === 'bigint') return input * 10n ** BigInt(scale);
  const text = typeof input === 'number' && Number.isFinite(input) ? input.toFixed(scale) : input;
  if (typeof text !== 'string') return undefined;
  const match = DECIMAL_TEXT.exec(text.trim());
  if (match === null) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  // More fractional digits than the scale would need rounding: refuse rather than lose money.
  if (fraction.replace(/0+$/, '').length > scale) return undefined;
  const magnitude = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * An empty union, `[]`: Avro Java accepts the schema, but no value can be
 * written with it, so reading one is a corrupt record. avsc has no empty
 * union; `avsc-schema.ts` puts this type in its place.
 */
export class EmptyUnionType extends avro.types.LogicalType {
  protected override _fromValue(): never {
    throw new DecodeError('the schema has an empty union here, which holds no value, so no record written with it can hold one');
  }

  protected override _toValue(): undefined {
    return undefined;
  }
}
