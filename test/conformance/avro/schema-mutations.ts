/**
 * The changes people make to a schema between versions (fields added,
 * removed, renamed or given another type, unions widened or narrowed, enum
 * symbols, fixed sizes, names and namespaces changed), applied to a copy of
 * a random schema to make the other side of a pair.
 */
import { clone, fld, nameOf, RawJsonNumber, type JsonObject, type SchemaJson } from './schema-json.js';
import type { SeededRandom } from './seeded-random.js';

type Mutation = (schema: JsonObject, random: SeededRandom) => string | undefined;

/** Every object node of a schema of the given `type` (records, enums, fixed), in document order. */
function nodesOfType(schema: SchemaJson, types: readonly string[], found: JsonObject[] = []): JsonObject[] {
  if (schema === null || typeof schema !== 'object' || schema instanceof RawJsonNumber) return found;
  if (Array.isArray(schema)) {
    for (const branch of schema as readonly SchemaJson[]) nodesOfType(branch, types, found);
    return found;
  }
  const node = schema as JsonObject;
  if (typeof node.type === 'string' && types.includes(node.type)) found.push(node);
  if (Array.isArray(node.fields)) for (const field of node.fields as readonly JsonObject[]) nodesOfType(field.type ?? null, types, found);
  if (node.items !== undefined) nodesOfType(node.items, types, found);
  if (node.values !== undefined) nodesOfType(node.values, types, found);
  return found;
}

const PROMOTED: Readonly<Record<string, readonly string[]>> = {
  int: ['long', 'float', 'double', 'string'],
  long: ['int', 'float', 'double'],
  float: ['double', 'long'],
  double: ['float'],
  string: ['bytes', 'int'],
  bytes: ['string'],
  boolean: ['int'],
};

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  'add-field-with-default': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    (target.fields as JsonObject[]).push(fld('added', random.pick(['string', 'int', 'long']), { default: random.pick<SchemaJson>(['', 0, 'x']) }));
    return 'add-field-with-default';
  },
  'add-field-without-default': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    (target.fields as JsonObject[]).push(fld('added', 'string'));
    return 'add-field-without-default';
  },
  'add-optional-field': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    (target.fields as JsonObject[]).push(fld('added', ['null', 'string'], { default: null }));
    return 'add-optional-field';
  },
  'remove-field': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = target.fields as JsonObject[];
    if (fields.length === 0) return undefined;
    fields.splice(random.int(fields.length), 1);
    return 'remove-field';
  },
  'rename-field': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = target.fields as JsonObject[];
    const field = fields[random.int(fields.length)];
    if (field === undefined) return undefined;
    const withAlias = random.chance(0.6);
    if (withAlias) field.aliases = [nameOf(field)];
    field.name = `${nameOf(field)}2`;
    return withAlias ? 'rename-field-with-alias' : 'rename-field';
  },
  'change-field-type': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = (target.fields as JsonObject[]).filter((field) => typeof field.type === 'string' && PROMOTED[field.type] !== undefined);
    const field = fields[random.int(fields.length)];
    if (field === undefined) return undefined;
    field.type = random.pick(PROMOTED[field.type as string] ?? ['string']);
    delete field.default;
    return 'change-field-type';
  },
  'make-optional': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = (target.fields as JsonObject[]).filter((field) => !Array.isArray(field.type));
    const field = fields[random.int(fields.length)];
    if (field === undefined) return undefined;
    field.type = random.chance(0.5) ? ['null', field.type ?? 'null'] : [field.type ?? 'null', 'null'];
    if (random.chance(0.5)) field.default = null;
    else delete field.default;
    return 'make-optional';
  },
  unwrap: (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = (target.fields as JsonObject[]).filter((field) => Array.isArray(field.type) && (field.type as SchemaJson[]).length > 0);
    const field = fields[random.int(fields.length)];
    if (field === undefined) return undefined;
    const branches = (field.type as SchemaJson[]).filter((branch) => branch !== 'null');
    field.type = branches.length > 0 ? random.pick(branches) : 'null';
    delete field.default;
    return 'unwrap-union';
  },
  'drop-union-branch': (schema, random) => {
    const target = random.pick(nodesOfType(schema, ['record']));
    const fields = (target.fields as JsonObject[]).filter((field) => Array.isArray(field.type) && (field.type as SchemaJson[]).length > 1);
    const field = fields[random.int(fields.length)];
    if (field === undefined) return undefined;
    const branches = [...(field.type as SchemaJson[])];
    branches.splice(random.int(branches.length), 1);
    field.type = branches;
    return 'drop-union-branch';
  },
  'enum-symbols': (schema, random) => {
    const enums = nodesOfType(schema, ['enum']);
    if (enums.length === 0) return undefined;
    const target = random.pick(enums);
    const symbols = target.symbols as string[];
    if (random.chance(0.5) || symbols.length < 2) symbols.push('NEW');
    else symbols.splice(random.int(symbols.length), 1);
    if (random.chance(0.3)) target.default = symbols[0] ?? null;
    return 'enum-symbols';
  },
  'fixed-size': (schema, random) => {
    const fixeds = nodesOfType(schema, ['fixed']);
    if (fixeds.length === 0) return undefined;
    const target = random.pick(fixeds);
    target.size = (target.size as number) + 1;
    return 'fixed-size';
  },
  'rename-type': (schema, random) => {
    const named = nodesOfType(schema, ['record', 'enum', 'fixed']);
    const target = random.pick(named);
    const old = nameOf(target);
    if (random.chance(0.6)) target.aliases = [old];
    target.name = `${old}Renamed`;
    return target.aliases === undefined ? 'rename-type' : 'rename-type-with-alias';
  },
  'change-namespace': (schema) => {
    schema.namespace = schema.namespace === 'z' ? 'y' : 'z';
    return 'change-namespace';
  },
};

export function mutate(base: JsonObject, random: SeededRandom): { schema: JsonObject; change: string } {
  const schema = clone(base);
  const names = Object.keys(MUTATIONS);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const mutation = MUTATIONS[random.pick(names)];
    const change = mutation?.(schema, random);
    if (change !== undefined) return { schema, change };
  }
  return { schema, change: 'unchanged' };
}
