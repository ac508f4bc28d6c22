/**
 * A schema Avro Java accepts, in the form avsc takes. The Glue Schema
 * Registry runs Avro Java, so a writer schema may be anything its parser
 * accepts, and the decoder must read it; avsc, which does the decoding,
 * refuses some of those schemas outright. Validity is judged first by
 * `schema-parser.ts` (Avro Java's rules); what passes is then rewritten,
 * without changing what it means, where avsc would refuse it:
 * - every named-type reference is written absolute (`.Name` for the null
 *   namespace), found as Avro Java finds it: in the enclosing namespace,
 *   else in the null namespace, where avsc looks in the enclosing one only;
 * - defaults are typed by their field: `"NaN"` and `"Infinity"` of a float
 *   or double become those numbers, a long beyond 2^53 an exact bigint;
 * - an enum `default` that is not a symbol (`null`) goes, as Avro Java
 *   ignores it, and so do `aliases` on types that have no name;
 * - a field default Avro Java takes unchecked but no value of the field's
 *   type can be (a symbol the enum lacks, bytes of another length than the
 *   fixed) goes: reading a record that needs it fails in Avro Java too;
 * - `{"type": "Name"}` is a reference to Name, as a plain "Name" is;
 * - an empty union `[]` becomes a type no value has: reading one fails, as
 *   it does in Avro Java;
 * - names avsc cannot hold (`Größe`, a namespace `1bad`, a type named
 *   `n.int`) are escaped, and `AvscNames` lists them, so that values can
 *   cross between the two spellings (`avsc-names.ts`).
 * An enum with no symbols is valid Avro that avsc cannot hold at all: it
 * stays refused, with an `UnsupportedSchemaError` naming it, and so do two
 * names of one record or enum that escape alike.
 */
import { isJsonObject, JsonNumber, parseLosslessJson, fromJsValue } from './lossless-json.js';
import type { JsonObject, JsonValue } from './lossless-json.js';
import { parseAvroSchemaGraph } from './schema-parser.js';
import { emptyNames, escapeName, type AvscNames } from './avsc-names.js';
import { UnsupportedSchemaError } from './errors.js';

function escapeFullName(fullName: string): string {
  return fullName.split('.').map((part) => escapeName(part, true)).join('.');
}

/** Escapes names that must stay distinct (a record's fields, an enum's symbols), refusing two that escape alike. */
function escapeDistinct(written: readonly string[], what: string): { escaped: string[]; renamed: Map<string, string> | undefined } {
  const renamed = new Map<string, string>();
  const seen = new Set<string>();
  const escaped = written.map((name) => {
    const avscName = escapeName(name);
    if (avscName === '' || seen.has(avscName)) {
      throw new UnsupportedSchemaError(`${what} '${name}' cannot be told apart from another once escaped for the pipeline's decoder (avsc)`);
    }
    seen.add(avscName);
    if (avscName !== name) renamed.set(avscName, name);
    return avscName;
  });
  return { escaped, renamed: renamed.size > 0 ? renamed : undefined };
}

/** The logical type that stands for an empty union; see `EmptyUnionType`. */
export const EMPTY_UNION_LOGICAL_TYPE = 'rtp-empty-union';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);
const CONTAINERS = new Set(['array', 'map']);

/** What the walk knows at a point of the schema. */
interface Scope {
  /** The enclosing namespace; undefined for the null namespace. */
  readonly namespace: string | undefined;
  /** Every named type defined so far, by full name. */
  readonly defined: Map<string, JsonObject>;
  /** The names escaped so far. */
  readonly names: AvscNames;
}

/** A schema in avsc's terms, and the names it holds escaped. */
export interface AvscSchema {
  readonly schema: unknown;
  readonly names: AvscNames;
}

/**
 * Validates `definition` by Avro Java's rules (throwing `SchemaParseError`,
 * or a `JsonSyntaxError` for text that is not JSON) and returns it as a schema
 * avsc accepts with the same meaning.
 */
export function toAvscSchema(definition: string | object): AvscSchema {
  const json = typeof definition === 'string' ? parseLosslessJson(definition) : fromJsValue(definition);
  parseAvroSchemaGraph(json);
  const names = emptyNames();
  return { schema: rewrite(json, { namespace: undefined, defined: new Map(), names }), names };
}

function fullNameOf(name: string, namespace: string | undefined): string {
  return name.includes('.') || namespace === undefined || namespace === '' ? name : `${namespace}.${name}`;
}

/** avsc's absolute form of a full name: a leading dot marks the null namespace. */
function absolute(fullName: string): string {
  return fullName.includes('.') ? fullName : `.${fullName}`;
}

/** Avro Java's lookup of a reference: the enclosing namespace first, then the null namespace. */
function resolveReference(name: string, scope: Scope): string {
  const inNamespace = fullNameOf(name, scope.namespace);
  return scope.defined.has(inNamespace) || name.includes('.') ? inNamespace : name;
}

function rewrite(node: JsonValue, scope: Scope): unknown {
  if (typeof node === 'string') return PRIMITIVES.has(node) ? node : absolute(escapeFullName(resolveReference(node, scope)));
  if (Array.isArray(node)) {
    return node.length === 0 ? { type: 'null', logicalType: EMPTY_UNION_LOGICAL_TYPE } : node.map((branch) => rewrite(branch, scope));
  }
  if (!isJsonObject(node)) return plain(node);
  const type = node.get('type');
  if (typeof type !== 'string') return rewrite(type ?? null, scope);
  if (NAMED.has(type)) return rewriteNamed(node, type, scope);
  if (!PRIMITIVES.has(type) && !CONTAINERS.has(type)) return rewrite(type, scope);
  const out: Record<string, unknown> = {};
  for (const [key, value] of node) {
    if (key === 'items' || key === 'values') out[key] = rewrite(value, scope);
    else if (key !== 'aliases') out[key] = plain(value);
  }
  return out;
}

/** The full name a named type's definition gives it: a dotted name as is, else under its `namespace`, else the enclosing one. */
function definedName(node: JsonObject, scope: Scope): string {
  const name = node.get('name') as string;
  const declared = node.get('namespace');
  return fullNameOf(name, name.includes('.') ? undefined : typeof declared === 'string' ? declared : scope.namespace);
}

function namespaceOf(fullName: string): string | undefined {
  return fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined;
}

function rewriteNamed(node: JsonObject, type: string, scope: Scope): unknown {
  const fullName = definedName(node, scope);
  if (type === 'enum' && (node.get('symbols') as unknown[] | undefined)?.length === 0) {
    throw new UnsupportedSchemaError(`enum '${fullName}' has no symbols: valid Avro, but the pipeline's decoder (avsc) takes no enum without one`);
  }
  const avscName = escapeFullName(fullName);
  if (fullName.split('.').some((part) => part === '') || (avscName !== fullName && scope.names.types.has(avscName))) {
    throw new UnsupportedSchemaError(`the ${type} name '${fullName}' cannot be held by the pipeline's decoder (avsc), even escaped`);
  }
  if (avscName !== fullName) scope.names.types.set(avscName, fullName);
  const namespace = namespaceOf(fullName);
  scope.defined.set(fullName, node);
  const inner: Scope = { namespace, defined: scope.defined, names: scope.names };
  const out: Record<string, unknown> = { type, name: absolute(avscName) };
  for (const [key, value] of node) {
    if (key === 'type' || key === 'name' || key === 'namespace') continue;
    if (key === 'aliases' && Array.isArray(value)) out.aliases = value.map((alias) => absolute(escapeFullName(fullNameOf(alias as string, namespace))));
    else if (key === 'fields' && Array.isArray(value)) {
      const fields = value as JsonObject[];
      const { escaped, renamed } = escapeDistinct(fields.map((field) => field.get('name') as string), `a field of ${type} '${fullName}',`);
      if (renamed !== undefined) scope.names.fields.set(avscName, renamed);
      out.fields = fields.map((field, i) => rewriteField(field, escaped[i] as string, inner));
    } else if (key === 'symbols' && Array.isArray(value)) {
      const { escaped, renamed } = escapeDistinct(value as string[], `a symbol of enum '${fullName}',`);
      if (renamed !== undefined) scope.names.symbols.set(avscName, renamed);
      out.symbols = escaped;
    }
    // Avro Java reads an enum default only when it is text.
    else if (key === 'default' && type === 'enum') {
      if (typeof value === 'string') out.default = escapeName(value);
    } else out[key] = plain(value);
  }
  return out;
}

function rewriteField(field: JsonObject, avscName: string, scope: Scope): unknown {
  const out: Record<string, unknown> = {};
  const type = field.get('type') ?? null;
  for (const [key, value] of field) {
    if (key === 'name') out.name = avscName;
    else if (key === 'aliases' && Array.isArray(value)) out.aliases = value.map((alias) => escapeName(alias as string));
    else if (key === 'type') out.type = rewrite(value, scope);
    else if (key === 'default') {
      if (holdsDefault(value, type, scope)) out.default = typedDefault(value, type, scope);
    } else out[key] = plain(value);
  }
  return out;
}

/**
 * Whether a default Avro Java took can be a value of the field's type: an
 * enum's default must be one of its symbols, a fixed's hold its size in
 * bytes (one per character, as Avro reads it). Avro Java checks neither
 * when it parses, only when it reads a record that needs the default.
 */
function holdsDefault(value: JsonValue, type: JsonValue, scope: Scope): boolean {
  let definition: JsonValue = Array.isArray(type) ? (type[0] ?? null) : type;
  if (typeof definition === 'string' && !PRIMITIVES.has(definition)) definition = scope.defined.get(resolveReference(definition, scope)) ?? null;
  if (!isJsonObject(definition)) return true;
  const kind = definition.get('type');
  if (kind === 'enum') return typeof value === 'string' && ((definition.get('symbols') as JsonValue[] | undefined) ?? []).includes(value);
  if (kind === 'fixed') return typeof value === 'string' && value.length === Number((definition.get('size') as JsonNumber).text);
  return true;
}

/** A default as avsc takes it for `type`: numbers by the type they fill, the rest as plain JSON. */
function typedDefault(value: JsonValue, type: JsonValue, scope: Scope): unknown {
  if (typeof type === 'string' && !PRIMITIVES.has(type)) {
    const definition = scope.defined.get(resolveReference(type, scope));
    return definition === undefined ? plain(value) : typedDefault(value, definition, scope);
  }
  // A union's default is its first branch's, as Avro Java requires.
  if (Array.isArray(type)) return type.length === 0 ? plain(value) : typedDefault(value, type[0] ?? null, scope);
  const kind = typeof type === 'string' ? type : isJsonObject(type) ? type.get('type') : undefined;
  if (isJsonObject(type) && typeof kind !== 'string') return typedDefault(value, kind ?? null, scope);
  if ((kind === 'float' || kind === 'double') && typeof value === 'string') return Number(value);
  if (kind === 'enum' && typeof value === 'string') return escapeName(value);
  if (kind === 'long' && value instanceof JsonNumber) {
    const integer = value.integerValue;
    return integer !== undefined && (integer > BigInt(Number.MAX_SAFE_INTEGER) || integer < BigInt(Number.MIN_SAFE_INTEGER)) ? integer : Number(value.text);
  }
  if (!isJsonObject(type)) return plain(value);
  if (kind === 'record' || kind === 'error') {
    if (!isJsonObject(value)) return plain(value);
    const fieldTypes = new Map(((type.get('fields') as JsonValue[] | undefined) ?? []).map((f) => [(f as JsonObject).get('name') as string, (f as JsonObject).get('type') ?? null]));
    const inner: Scope = { namespace: namespaceOf(definedName(type, scope)), defined: scope.defined, names: scope.names };
    return Object.fromEntries([...value].map(([key, item]) => [escapeName(key), fieldTypes.has(key) ? typedDefault(item, fieldTypes.get(key) ?? null, inner) : plain(item)]));
  }
  if (kind === 'array' && Array.isArray(value)) return value.map((item) => typedDefault(item, type.get('items') ?? null, scope));
  if (kind === 'map' && isJsonObject(value)) return Object.fromEntries([...value].map(([key, item]) => [key, typedDefault(item, type.get('values') ?? null, scope)]));
  return plain(value);
}

/** Lossless JSON as plain JS: numbers as numbers, objects as objects. */
function plain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return Number(value.text);
  if (Array.isArray(value)) return value.map(plain);
  if (isJsonObject(value)) return Object.fromEntries([...value].map(([key, item]) => [key, plain(item)]));
  return value;
}
