import avro from './avsc.js';
import type { Schema, Type } from 'avsc';
import { DecimalType, TimestampMillisType } from './avro-logical-types.js';

/**
 * Avro longs decode as numbers while they are exact, and as bigints beyond
 * 2^53, so an id or a counter never loses digits silently and ordinary
 * values stay plain numbers. A fresh instance per use: avsc links a logical
 * type to the underlying type it builds while constructing it.
 */
function exactLongType(): Type {
  return avro.types.LongType.__with({
    fromBuffer: (buffer: Buffer): number | bigint => {
      const value = buffer.readBigInt64LE(0);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    },
    toBuffer: (value: number | bigint): Buffer => {
      const buffer = Buffer.alloc(8);
      buffer.writeBigInt64LE(BigInt(value), 0);
      return buffer;
    },
    fromJSON: (json: unknown): number | bigint =>
      typeof json === 'string' ? BigInt(json) : (json as number),
    toJSON: (value: number | bigint): number | string => (typeof value === 'bigint' ? value.toString() : value),
    isValid: (value: unknown): boolean =>
      (typeof value === 'number' && Number.isSafeInteger(value)) ||
      (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n),
    compare: (a: number | bigint, b: number | bigint): number => (a < b ? -1 : a > b ? 1 : 0),
  });
}

const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillisType,
  decimal: DecimalType,
};

/** An Avro schema as text or as parsed JSON. */
export type AvroSchemaDefinition = string | Schema;

/**
 * Compiles an Avro schema with the pipeline's long and logical types.
 * Throws avsc's error for a schema that is not valid Avro, or a TypeError
 * naming the type or field whose `aliases` is not an array of names (avsc
 * would fail on it with an internal error, or take it silently).
 */
export function parseAvroSchema(definition: AvroSchemaDefinition): Type {
  const schema: Schema = typeof definition === 'string' ? (JSON.parse(definition) as Schema) : definition;
  checkAliases(schema);
  return avro.Type.forSchema(schema, {
    // A fresh registry per schema: avsc records every named type in it.
    registry: { long: exactLongType() },
    logicalTypes: LOGICAL_TYPES,
    typeHook: exactLongs(LOGICAL_TYPES),
    // A union value is its branch's plain value where the value says which
    // branch it is (['null', 'string'], a record and a string, ...). Where it
    // cannot (two records, int and double, string and an enum, bytes and
    // fixed, a map and a record) it is wrapped as Avro's JSON encoding writes
    // it, `{ "shop.order.Created": {...} }`, and null stays null.
    wrapUnions: 'auto',
  });
}

/**
 * Whether two definitions are one Avro schema: equal once parsed, whatever
 * their whitespace, key order, or whether names are written qualified or
 * under a `namespace`. Docs, defaults, aliases, sort orders and logical
 * types count; what avsc does not keep (an enum's default, properties of
 * the user's own) does not. False when either is not valid Avro.
 */
export function sameAvroSchema(a: AvroSchemaDefinition, b: AvroSchemaDefinition): boolean {
  try {
    const exported = (definition: AvroSchemaDefinition): string => JSON.stringify(parseAvroSchema(definition).schema({ exportAttrs: true }));
    return exported(a) === exported(b);
  } catch {
    return false;
  }
}

/**
 * Whether `body` is exactly one value of the schema, read with no logical
 * types: its bytes are whole and end where the value ends. Tells a value a
 * logical type refused from bytes that are truncated or corrupt.
 */
export function isWholeBody(definition: AvroSchemaDefinition, body: Buffer): boolean {
  const schema: Schema = typeof definition === 'string' ? (JSON.parse(definition) as Schema) : definition;
  try {
    avro.Type.forSchema(schema, { registry: { long: exactLongType() }, typeHook: exactLongs({}), wrapUnions: 'auto' }).fromBuffer(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * avsc's registry entry for `long` only serves the bare name; a long
 * written as an object (`{"type":"long","logicalType":"timestamp-micros"}`,
 * every `occurred_at`) would get avsc's own long, which does arithmetic in
 * floating point. The hook gives every long the exact type: directly for a
 * long whose logical type the pipeline does not know (it decodes as its
 * underlying long, as the Avro specification asks), and as the underlying
 * type of one it knows (one in `logicalTypes`, those the parse is given),
 * which avsc asks for by passing the same schema object a second time.
 */
function exactLongs(logicalTypes: object): (schema: Schema) => Type | undefined {
  const wrapping = new WeakSet<object>();
  return (schema) => {
    if (typeof schema !== 'object' || Array.isArray(schema) || (schema as { type?: unknown }).type !== 'long') return undefined;
    const { logicalType } = schema as { logicalType?: unknown };
    if (typeof logicalType === 'string' && Object.hasOwn(logicalTypes, logicalType) && !wrapping.has(schema)) {
      wrapping.add(schema);
      return undefined;
    }
    return exactLongType();
  };
}

/**
 * Avro requires `aliases`, where present, to be an array of names, on named
 * types and on record fields alike: throws a TypeError naming the first
 * type or field whose aliases are not.
 */
export function checkAliases(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const branch of schema) checkAliases(branch);
    return;
  }
  if (schema === null || typeof schema !== 'object') return;
  const node = schema as Record<string, unknown>;
  const what = typeof node.name === 'string' ? `${String(node.type)} '${node.name}'` : String(node.type);
  requireNames(node.aliases, what);
  if (Array.isArray(node.fields)) {
    for (const field of node.fields as unknown[]) {
      if (field === null || typeof field !== 'object') continue;
      const { name, aliases, type } = field as Record<string, unknown>;
      requireNames(aliases, `field '${String(name)}' of ${what}`);
      checkAliases(type);
    }
  }
  for (const nested of [node.items, node.values, typeof node.type === 'object' ? node.type : undefined]) checkAliases(nested);
}

function requireNames(aliases: unknown, what: string): void {
  if (aliases === undefined) return;
  if (!Array.isArray(aliases) || !aliases.every((alias) => typeof alias === 'string')) {
    throw new TypeError(`the aliases of ${what} must be an array of names, got ${JSON.stringify(aliases)}`);
  }
}

/**
 * Fills in the defaults the schema declares for fields a JSON value lacks,
 * recursively, the way Avro schema resolution does for binary records
 * written with an older schema. Values it cannot place are left alone for
 * validation to report.
 */
export function withDefaults(type: Type, value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (type instanceof avro.types.RecordType) {
    if (Array.isArray(value) || Buffer.isBuffer(value) || value instanceof Date) return value;
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = { ...source };
    for (const field of type.fields) {
      const present = source[field.name];
      if (present === undefined) {
        const fallback: unknown = field.defaultValue();
        if (fallback !== undefined) out[field.name] = fallback;
      } else {
        out[field.name] = withDefaults(field.type, present);
      }
    }
    return out;
  }
  if (type instanceof avro.types.ArrayType && Array.isArray(value)) {
    return value.map((item) => withDefaults(type.itemsType, item));
  }
  if (type instanceof avro.types.MapType && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withDefaults(type.valuesType as Type, v)]));
  }
  if (type instanceof avro.types.UnwrappedUnionType) {
    for (const branch of type.types) {
      const candidate = withDefaults(branch, value);
      if (branch.isValid(candidate)) return candidate;
    }
  }
  if (type instanceof avro.types.WrappedUnionType && !Array.isArray(value)) {
    const entries = Object.entries(value);
    const [name, inner] = entries[0] ?? [];
    const branch = type.types.find((t) => t.branchName === name);
    if (entries.length === 1 && name !== undefined && branch !== undefined) return { [name]: withDefaults(branch, inner) };
  }
  return value;
}
