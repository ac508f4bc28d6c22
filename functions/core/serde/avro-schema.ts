import avro from './avsc.js';
import type { Schema, Type } from 'avsc';
import { DecimalType, EmptyUnionType, TimestampMillisType } from './avro-logical-types.js';
import { EMPTY_UNION_LOGICAL_TYPE, toAvscSchema } from './avsc-schema.js';
import { SchemaParseError, UnsupportedSchemaError } from './errors.js';
import { hasEscapedNames, type AvscNames } from './avsc-names.js';

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_TO_32 = 2 ** 32;
const TWO_TO_53 = 2 ** 53;
const HIGH_WORD_OF_2_TO_53 = 2 ** 21;

/**
 * Avro longs decode as numbers while they are exact, and as bigints beyond
 * 2^53, so an id or a counter never loses digits silently and ordinary
 * values stay plain numbers. A fresh instance per use: avsc links a logical
 * type to the underlying type it builds while constructing it.
 */
function exactLongType(): Type {
  return avro.types.LongType.__with({
    fromBuffer: (buffer: Buffer): number | bigint => {
      // Every record's timestamps come through here: two 32-bit reads while
      // the value is below 2^53 in magnitude, a BigInt only beyond.
      const high = buffer.readInt32LE(4);
      if (high >= -HIGH_WORD_OF_2_TO_53 && high < HIGH_WORD_OF_2_TO_53) {
        const value = high * TWO_TO_32 + buffer.readUInt32LE(0);
        if (value !== -TWO_TO_53) return value;
      }
      const value = buffer.readBigInt64LE(0);
      return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
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
  [EMPTY_UNION_LOGICAL_TYPE]: EmptyUnionType,
};
/** The logical types above that belong on a long: any other on a long is read as the plain long, as Avro Java does. */
const LONG_LOGICAL_TYPES: ReadonlySet<string> = new Set(['timestamp-millis']);

/** An Avro schema as text or as parsed JSON. */
export type AvroSchemaDefinition = string | Schema;

/**
 * Compiles an Avro schema with the pipeline's long and logical types. It
 * takes what Avro Java takes (see `avsc-schema.ts`), and throws a
 * `SchemaParseError` naming the type or field for a schema Avro Java
 * refuses, a `JsonSyntaxError` for text that is not JSON, or an
 * `UnsupportedSchemaError` for valid Avro the decoder cannot hold.
 */
export function parseAvroSchema(definition: AvroSchemaDefinition): Type {
  try {
    const { schema, names } = toAvscSchema(definition);
    let type: Type;
    try {
      type = compile(schema as Schema);
    } catch (error) {
      if (error instanceof SchemaParseError || (error instanceof RangeError && /call stack/.test(error.message))) throw error;
      // avsc checks defaults inside defaults (an enum symbol in a record's
      // default, bytes in a map's) where Avro Java takes them as written and
      // looks only when a reader needs one. Without its defaults the schema
      // writes and reads the same bytes; only resolving a writer that lacks
      // such a field to it fails, as reading that default would in Avro Java.
      type = compile(withoutDefaults(schema));
    }
    if (hasEscapedNames(names)) ESCAPED_NAMES.set(type, names);
    return type;
  } catch (error) {
    // avsc builds types recursively; Avro Java's parser does not.
    if (error instanceof RangeError && /call stack/.test(error.message)) {
      throw new UnsupportedSchemaError('the schema nests deeper than the pipeline\'s decoder (avsc) can build on this stack; Avro Java takes it', { cause: error });
    }
    throw error;
  }
}

const ESCAPED_NAMES = new WeakMap<Type, AvscNames>();

/**
 * The names a type from `parseAvroSchema` holds escaped for avsc, or
 * undefined when it holds every name as written (almost always). A value
 * decoded with the type needs `restoreNames` then, and one to encode
 * `escapeNames`.
 */
export function escapedNamesOf(type: Type): AvscNames | undefined {
  return ESCAPED_NAMES.get(type);
}

/** The schema with every field default removed (see parseAvroSchema). */
function withoutDefaults(schema: unknown): Schema {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)), function (this: Record<string, unknown>, key, value: unknown) {
    return key === 'default' && Array.isArray(this.fields) === false && 'name' in this && 'type' in this ? undefined : value;
  }) as Schema;
}

function compile(schema: Schema): Type {
  return avro.Type.forSchema(schema, {
    // A fresh registry per schema: avsc records every named type in it.
    registry: { long: exactLongType() },
    logicalTypes: LOGICAL_TYPES,
    typeHook: exactLongs(LONG_LOGICAL_TYPES),
    // A union value is its branch's plain value where the value says which
    // branch it is (['null', 'string'], a record and a string, ...). Where it
    // cannot (two records, int and double, string and an enum, bytes and
    // fixed, a map and a record) it is wrapped as Avro's JSON encoding writes
    // it, `{ "shop.order.Created": {...} }`, and null stays null.
    wrapUnions: 'auto',
  });
}

/**
 * The same text for two definitions exactly when they are one Avro schema,
 * whatever their whitespace, key order, or whether names are written
 * qualified or under a `namespace`. Docs, defaults, aliases, sort orders and
 * logical types count; what avsc does not keep (an enum's default,
 * properties of the user's own) does not. Undefined for a definition the
 * decoder cannot compile.
 */
export function avroSchemaKey(definition: AvroSchemaDefinition): string | undefined {
  try {
    return JSON.stringify(parseAvroSchema(definition).schema({ exportAttrs: true }), (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
  } catch {
    return undefined;
  }
}

/**
 * The schema with no logical types: every value as its plain Avro type. It
 * reads any body of the schema that is whole, so it tells a value a logical
 * type refused from bytes that are truncated or corrupt.
 */
export function structureOf(definition: AvroSchemaDefinition): Type {
  return avro.Type.forSchema(toAvscSchema(definition).schema as Schema, { registry: { long: exactLongType() }, typeHook: exactLongs(new Set()), wrapUnions: 'auto' });
}

/** Whether `body` is exactly one value of `structure` (see `structureOf`): whole, and ending where the value ends. */
export function wholeBody(structure: Type, body: Buffer): boolean {
  try {
    structure.fromBuffer(body);
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
 * long whose logical type the parse does not take on a long (it decodes as
 * the plain long, as the Avro specification asks), and as the underlying
 * type of one in `longLogicalTypes`, which avsc asks for by passing the
 * same schema object straight back while it builds the logical type.
 *
 * It also builds unions, since avsc decides whether to wrap one by the
 * kinds of value its branches hold and does not count the exact long as a
 * number: `["long", "double"]` must be wrapped like `["int", "double"]`.
 */
function exactLongs(longLogicalTypes: ReadonlySet<string>): (schema: Schema, opts: unknown) => Type | undefined {
  // The schema avsc is building a logical type of: its next request is for that type's underlying long.
  let building: object | undefined;
  return (schema, opts) => {
    if (Array.isArray(schema)) return unionOf(schema, opts);
    if (typeof schema !== 'object' || (schema as { type?: unknown }).type !== 'long') return undefined;
    const { logicalType } = schema as { logicalType?: unknown };
    if (typeof logicalType === 'string' && longLogicalTypes.has(logicalType) && building !== schema) {
      building = schema;
      return undefined;
    }
    building = undefined;
    return exactLongType();
  };
}

/**
 * A union as avsc's 'auto' builds it: wrapped when two branches hold the
 * same kind of JavaScript value, logical types aside, so that a value could
 * not say which branch it is; plain otherwise. The exact long counts as a
 * number, as avsc's own long does.
 */
function unionOf(branches: readonly Schema[], opts: unknown): Type {
  const types = branches.map((branch) => avro.Type.forSchema(branch, opts as Parameters<typeof avro.Type.forSchema>[1]));
  const kinds = new Set<string>();
  let ambiguous = false;
  for (const type of types) {
    if (avro.Type.isType(type, 'logical')) continue;
    const kind = valueKind(type.typeName);
    ambiguous ||= kinds.has(kind);
    kinds.add(kind);
  }
  return ambiguous ? new avro.types.WrappedUnionType(types as never, opts) : new avro.types.UnwrappedUnionType(types as never, opts);
}

function valueKind(typeName: string): string {
  switch (typeName) {
    case 'int':
    case 'long':
    case 'abstract:long':
    case 'float':
    case 'double':
      return 'number';
    case 'bytes':
    case 'fixed':
      return 'buffer';
    case 'enum':
      return 'string';
    case 'map':
    case 'record':
    case 'error':
      return 'object';
    default:
      return typeName;
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
