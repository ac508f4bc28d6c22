/**
 * Avro schema validity as Apache Avro Java 1.11.4 judges it: the rules of a
 * default `new Schema.Parser()` (names and defaults validated), which is what
 * the Glue Schema Registry runs, followed step by step so that the checker
 * accepts exactly the schemas the registry accepts. Among them, where other
 * Avro libraries differ:
 * - names are letters, digits and `_` in Java's sense of a letter, so
 *   `Größe` is a name; namespaces are not checked at all;
 * - a short name is looked up in the enclosing namespace, then in the null
 *   namespace;
 * - defaults are checked on the JSON as written: `1.0` is not an int, a long
 *   may be any 64-bit integer, a float or double default may be any number
 *   or a string Java's Double.valueOf reads (`"NaN"`, `"Infinity"`), strings
 *   stand for bytes, fixed and enum values without further checks, and a
 *   union default must suit the union's first branch;
 * - an enum `default` that is not a string (`null`) means no default;
 * - `[]` is a union, of no branches.
 * The result is the graph of `avro-node.ts`, which `schema-resolution.ts`
 * walks. Nesting is handled with an explicit stack, so depth is limited by
 * memory, not the call stack.
 */
import { isIntegerInRange, isJsonObject, JsonNumber, jsonText } from './lossless-json.js';
import type { JsonObject, JsonValue } from './lossless-json.js';
import { describeNode } from './avro-node.js';
import { SchemaParseError } from './errors.js';
import type { AvroNode, AvroPrimitive, EnumNode, FieldNode, FixedNode, RecordNode } from './avro-node.js';

const PRIMITIVES: readonly AvroPrimitive[] = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'];
const INT_RANGE = [-(2n ** 31n), 2n ** 31n - 1n] as const;
const LONG_RANGE = [-(2n ** 63n), 2n ** 63n - 1n] as const;
/** Avro Java's largest byte array (SystemLimitException.MAX_ARRAY_VM_LIMIT), the largest fixed size it accepts. */
const MAX_FIXED_SIZE = 2 ** 31 - 1 - 8;
const FIELD_ORDERS = ['ASCENDING', 'DESCENDING', 'IGNORE'];

function isPrimitive(name: string): name is AvroPrimitive {
  return (PRIMITIVES as readonly string[]).includes(name);
}

/** Java's Character.isLetter on one UTF-16 unit: a surrogate half is not a letter. */
function isJavaLetter(unit: string): boolean {
  return /^\p{L}$/u.test(unit);
}

function isJavaLetterOrDigit(unit: string): boolean {
  return /^[\p{L}\p{Nd}]$/u.test(unit);
}

/** Avro Java's validateName: a letter or `_`, then letters, digits or `_`, judged per UTF-16 unit. */
function validateName(name: string | undefined, what: string): string {
  if (name === undefined) throw new SchemaParseError(`${what} has no name`);
  if (name.length === 0) throw new SchemaParseError(`${what} has an empty name`);
  const first = name.charAt(0);
  if (!(isJavaLetter(first) || first === '_')) throw new SchemaParseError(`${what} has the name '${name}', which must start with a letter or '_'`);
  for (let i = 1; i < name.length; i += 1) {
    const unit = name.charAt(i);
    if (!(isJavaLetterOrDigit(unit) || unit === '_')) throw new SchemaParseError(`${what} has the name '${name}', which may hold only letters, digits and '_'`);
  }
  return name;
}

interface QualifiedName {
  readonly name: string;
  /** Undefined for the null namespace. */
  readonly namespace: string | undefined;
  readonly fullName: string;
}

/** Avro Java's Name: a dotted name carries its namespace, else `namespace`; an empty namespace is the null one. Only the last part is a checked name. */
function qualifiedName(name: string, namespace: string | undefined, what: string): QualifiedName {
  const lastDot = name.lastIndexOf('.');
  const short = validateName(lastDot < 0 ? name : name.slice(lastDot + 1), what);
  const space = (lastDot < 0 ? namespace : name.slice(0, lastDot)) || undefined;
  return { name: short, namespace: space, fullName: space === undefined ? short : `${space}.${short}` };
}

/** Jackson's textValue(): the string, or undefined for any other JSON value. */
function text(object: JsonObject, key: string): string | undefined {
  const value = object.get(key);
  return typeof value === 'string' ? value : undefined;
}

/** What a message calls a type: `record 'Order'`, `enum 'Status'`, `array`. */
function describeType(type: string, name: string | undefined): string {
  return name === undefined ? type : `${type} '${name}'`;
}

/** Avro Java's parseAliases: absent, or an array of strings. */
function aliasesOf(object: JsonObject, what: string): string[] {
  const aliases = object.get('aliases');
  if (aliases === undefined) return [];
  if (!Array.isArray(aliases) || !aliases.every((alias): alias is string => typeof alias === 'string')) {
    throw new SchemaParseError(`the aliases of ${what} must be an array of names, got ${jsonText(aliases)}`);
  }
  return [...new Set(aliases)];
}

/** Java's Double.valueOf grammar (after String.trim): what a float or double field's string default may say. */
const JAVA_DOUBLE =
  /^[+-]?(?:NaN|Infinity|(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?\d+)[fFdD]?)$/;

function javaTrim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= 0x20) start += 1;
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end -= 1;
  return value.slice(start, end);
}

/** A record field's declared default, after the float/double conversion, for record defaults that omit the field. */
const fieldDefaults = new WeakMap<RecordNode, Map<string, JsonValue>>();

/** Avro Java's isValidDefault. */
function isValidDefault(schema: AvroNode, value: JsonValue | undefined): boolean {
  if (value === undefined) return false;
  switch (schema.kind) {
    case 'primitive':
      switch (schema.name) {
        case 'string':
        case 'bytes':
          return typeof value === 'string';
        case 'int':
          return isIntegerInRange(value, ...INT_RANGE);
        case 'long':
          return isIntegerInRange(value, ...LONG_RANGE);
        case 'float':
        case 'double':
          return value instanceof JsonNumber;
        case 'boolean':
          return typeof value === 'boolean';
        case 'null':
          return value === null;
      }
      return false;
    case 'enum':
    case 'fixed':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value) && value.every((element) => isValidDefault(schema.items, element));
    case 'map':
      return isJsonObject(value) && [...value.values()].every((element) => isValidDefault(schema.values, element));
    case 'union': {
      const first = schema.branches[0];
      if (first === undefined) throw new SchemaParseError('a default cannot be given for a union of no branches');
      return isValidDefault(first, value);
    }
    case 'record': {
      if (!isJsonObject(value)) return false;
      const declared = fieldDefaults.get(schema);
      // A default of a record whose fields are still being parsed (a recursive
      // type's own default): Java's getFields() throws "Schema fields not set yet".
      if (declared === undefined) throw new SchemaParseError(`a default of ${describeNode(schema)} is given inside its own definition`);
      return schema.fields.every((field) => isValidDefault(field.type, value.has(field.name) ? value.get(field.name) : declared?.get(field.name)));
    }
  }
}

/** The named types of one schema, by full name, and the namespace names are resolved in. */
interface Names {
  readonly types: Map<string, RecordNode | EnumNode | FixedNode>;
  space: string | undefined;
}

/** Avro Java's Names.get: a primitive, else the name in the current namespace, else in the null namespace. */
function lookUp(names: Names, reference: string, what: string): AvroNode | undefined {
  if (isPrimitive(reference)) return { kind: 'primitive', name: reference };
  const inSpace = qualifiedName(reference, names.space, what);
  return names.types.get(inSpace.fullName) ?? names.types.get(qualifiedName(reference, undefined, what).fullName);
}

function define(names: Names, node: RecordNode | EnumNode | FixedNode, what: string): void {
  if (names.types.has(node.fullName)) throw new SchemaParseError(`${what} is defined twice`);
  names.types.set(node.fullName, node);
}

/**
 * A parse step: it yields each nested schema it waits for and resumes with
 * its node, then ends in a `T`.
 */
type ParseStep<T> = Generator<JsonValue, T, AvroNode>;
/** The parse of one schema, ending in its node. */
type Parse = ParseStep<AvroNode>;

/** One schema: a type reference, a union, or a type object. */
function* parseSchema(schema: JsonValue, names: Names): Parse {
  if (typeof schema === 'string') return parseReference(schema, names);
  if (Array.isArray(schema)) return yield* parseUnion(schema);
  if (!isJsonObject(schema)) throw new SchemaParseError(`${jsonText(schema)} is not a schema`);
  return yield* parseTypeObject(schema, names);
}

/** A type name: a primitive, or a named type defined earlier. */
function parseReference(reference: string, names: Names): AvroNode {
  const found = lookUp(names, reference, `the type reference '${reference}'`);
  if (found === undefined) throw new SchemaParseError(`undefined type name: ${reference}`);
  return found;
}

/** `[...]`: its branches, none a union and no two of one type. */
function* parseUnion(schema: readonly JsonValue[]): Parse {
  const branches: AvroNode[] = [];
  for (const branch of schema) branches.push(yield branch);
  const seen = new Set<string>();
  for (const branch of branches) {
    if (branch.kind === 'union') throw new SchemaParseError('a union may not hold another union directly');
    const name = branch.kind === 'primitive' ? branch.name : branch.kind === 'array' || branch.kind === 'map' ? branch.kind : branch.fullName;
    if (seen.has(name)) throw new SchemaParseError(`a union holds ${name} twice`);
    seen.add(name);
  }
  return { kind: 'union', branches };
}

type NamedType = 'record' | 'error' | 'enum' | 'fixed';

function isNamedType(type: string): type is NamedType {
  return type === 'record' || type === 'error' || type === 'enum' || type === 'fixed';
}

/** `{"type": ...}`: a named type, a primitive, an array, a map, or a reference to a named type. */
function* parseTypeObject(schema: JsonObject, names: Names): Parse {
  const type = text(schema, 'type');
  if (type === undefined) throw new SchemaParseError(`a schema has no type: ${jsonText(schema)}`);
  if (isNamedType(type)) return yield* parseNamedType(schema, type, names);
  if (isPrimitive(type)) return { kind: 'primitive', name: type };
  if (type === 'array') return { kind: 'array', items: yield required(schema, 'items', 'an array has no items') };
  if (type === 'map') return { kind: 'map', values: yield required(schema, 'values', 'a map has no values') };
  return parseTypeObjectReference(type, names);
}

/** `{"type": "Name"}` refers to a type defined earlier, in the current namespace only. */
function parseTypeObjectReference(type: string, names: Names): AvroNode {
  const reference = names.types.get(qualifiedName(type, names.space, `the type '${type}'`).fullName);
  if (reference === undefined) throw new SchemaParseError(`unknown type: ${type}`);
  return reference;
}

/** The nested schema under `key` of an array or map. */
function required(schema: JsonObject, key: string, missing: string): JsonValue {
  const value = schema.get(key);
  if (value === undefined) throw new SchemaParseError(missing);
  return value;
}

/** A named type being parsed: its JSON, its name, how messages call it, and the names defined so far. */
interface Definition {
  readonly schema: JsonObject;
  readonly name: QualifiedName;
  readonly what: string;
  readonly names: Names;
}

/** A record, enum or fixed: its name becomes the namespace of what it holds, until it ends. */
function* parseNamedType(schema: JsonObject, type: NamedType, names: Names): Parse {
  const savedSpace = names.space;
  const rawName = text(schema, 'name');
  if (rawName === undefined) throw new SchemaParseError(`a ${type} has no name`);
  const name = qualifiedName(rawName, text(schema, 'namespace') ?? savedSpace, `a ${type}`);
  // The primitive names are taken in the null namespace only.
  if (isPrimitive(name.fullName)) throw new SchemaParseError(`a ${type} may not be named after the primitive '${name.fullName}'`);
  names.space = name.namespace;
  const what = describeType(type, name.name);
  const definition: Definition = { schema, name, what, names };
  const node = type === 'enum' ? parseEnum(definition) : type === 'fixed' ? parseFixed(definition) : yield* parseRecord(definition);
  names.space = savedSpace;
  return node;
}

/** A named type's name attributes; type aliases are names too, qualified with the type's own namespace. */
function nameAttributes({ schema, name, what }: Definition): { name: string; fullName: string; aliases: string[] } {
  const aliases = aliasesOf(schema, what).map((alias) => qualifiedName(alias, name.namespace, `an alias of ${what}`).fullName);
  return { name: name.name, fullName: name.fullName, aliases };
}

/** A record is defined before its fields are parsed, so that they can refer to it. */
function* parseRecord(definition: Definition): Parse {
  const { schema, what, names } = definition;
  const record: RecordNode = { kind: 'record', ...nameAttributes(definition), fields: [] };
  define(names, record, what);
  const fields = schema.get('fields');
  if (!Array.isArray(fields)) throw new SchemaParseError(`${what} has no fields array`);
  const declaredDefaults = new Map<string, JsonValue>();
  for (const field of fields) {
    const { node, defaultValue } = yield* parseField(field, record, definition);
    record.fields.push(node);
    if (defaultValue !== undefined) declaredDefaults.set(node.name, defaultValue);
  }
  fieldDefaults.set(record, declaredDefaults);
  return record;
}

/** One field of `record`, with its declared default (after the float/double conversion). */
function* parseField(field: JsonValue, record: RecordNode, { what, names }: Definition): ParseStep<{ node: FieldNode; defaultValue: JsonValue | undefined }> {
  const fieldName = isJsonObject(field) ? text(field, 'name') : undefined;
  if (fieldName === undefined || !isJsonObject(field)) throw new SchemaParseError(`a field of ${what} has no name`);
  const fieldWhat = `field '${fieldName}' of ${what}`;
  const typeValue = field.get('type');
  if (typeValue === undefined) throw new SchemaParseError(`${fieldWhat} has no type`);
  if (typeof typeValue === 'string' && lookUp(names, typeValue, `the type of ${fieldWhat}`) === undefined) {
    throw new SchemaParseError(`undefined type name: ${typeValue}, the type of ${fieldWhat}`);
  }
  const fieldType: AvroNode = yield typeValue;
  const order = field.get('order');
  if (order !== undefined && (typeof order !== 'string' || !FIELD_ORDERS.includes(order.toUpperCase()))) {
    throw new SchemaParseError(`${fieldWhat} has the order ${jsonText(order)}, which is not ascending, descending or ignore`);
  }
  const defaultValue = declaredDefault(field, fieldType, fieldWhat);
  validateName(fieldName, fieldWhat);
  if (defaultValue !== undefined && !isValidDefault(fieldType, defaultValue)) {
    throw new SchemaParseError(`the default of ${fieldWhat}, ${jsonText(defaultValue)}, is not a valid ${describeNode(fieldType)}`);
  }
  const aliases = aliasesOf(field, fieldWhat);
  if (record.fields.some((other) => other.name === fieldName)) throw new SchemaParseError(`${what} has two fields named '${fieldName}'`);
  return { node: { name: fieldName, aliases, type: fieldType, hasDefault: defaultValue !== undefined }, defaultValue };
}

/** A field's default as written, except that Java reads a float or double field's string default with Double.valueOf. */
function declaredDefault(field: JsonObject, fieldType: AvroNode, fieldWhat: string): JsonValue | undefined {
  const defaultValue = field.get('default');
  if (defaultValue !== undefined && typeof defaultValue === 'string' && fieldType.kind === 'primitive' && (fieldType.name === 'float' || fieldType.name === 'double')) {
    if (!JAVA_DOUBLE.test(javaTrim(defaultValue))) throw new SchemaParseError(`${fieldWhat} has the default ${JSON.stringify(defaultValue)}, which is not a number`);
    return new JsonNumber('0.0');
  }
  return defaultValue;
}

/** An enum is defined once its symbols and default are checked. */
function parseEnum(definition: Definition): EnumNode {
  const { schema, what, names } = definition;
  const symbols = schema.get('symbols');
  if (!Array.isArray(symbols)) throw new SchemaParseError(`${what} has no symbols array`);
  const symbolNames = symbols.map((symbol) => validateName(typeof symbol === 'string' ? symbol : undefined, `a symbol of ${what}`));
  const duplicate = symbolNames.find((symbol, index) => symbolNames.indexOf(symbol) !== index);
  if (duplicate !== undefined) throw new SchemaParseError(`${what} has the symbol '${duplicate}' twice`);
  // A default that is not a string (null) is no default at all.
  const defaultSymbol = text(schema, 'default');
  if (defaultSymbol !== undefined && !symbolNames.includes(defaultSymbol)) throw new SchemaParseError(`${what} has the default '${defaultSymbol}', which is not one of its symbols`);
  const enumNode: EnumNode = { kind: 'enum', ...nameAttributes(definition), symbols: symbolNames, hasDefault: defaultSymbol !== undefined };
  define(names, enumNode, what);
  return enumNode;
}

/** A fixed is defined once its size is checked. */
function parseFixed(definition: Definition): FixedNode {
  const { schema, what, names } = definition;
  const size = schema.get('size');
  if (!isIntegerInRange(size, ...INT_RANGE)) throw new SchemaParseError(`${what} has no size, or one that is not an int: ${jsonText(size ?? null)}`);
  const bytes = Number((size as JsonNumber).integerValue);
  if (bytes < 0 || bytes > MAX_FIXED_SIZE) throw new SchemaParseError(`${what} has the size ${bytes}, outside 0 to ${MAX_FIXED_SIZE}`);
  const fixedNode: FixedNode = { kind: 'fixed', ...nameAttributes(definition), size: bytes };
  define(names, fixedNode, what);
  return fixedNode;
}

/**
 * Parses a schema, given as lossless JSON, as Avro Java's Schema.Parser
 * does; throws a SchemaParseError for a schema it would refuse.
 */
export function parseAvroSchemaGraph(schema: JsonValue): AvroNode {
  const names: Names = { types: new Map(), space: undefined };
  // Each pending parse waits on the stack for its nested schema's node.
  const stack: Parse[] = [parseSchema(schema, names)];
  let answer: AvroNode | undefined;
  for (;;) {
    const top = stack[stack.length - 1] as Parse;
    const step = top.next(answer as AvroNode);
    if (step.done === true) {
      stack.pop();
      if (stack.length === 0) return step.value;
      answer = step.value;
    } else {
      stack.push(parseSchema(step.value, names));
      answer = undefined;
    }
  }
}
