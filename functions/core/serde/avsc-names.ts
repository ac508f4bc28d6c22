/**
 * Avro names avsc cannot hold, and the values that carry them. Avro Java
 * takes any Java letter in a name (`Größe`, `données`) and does not check
 * namespaces at all; avsc takes only ASCII letters, digits and `_`, and no
 * type named like a primitive. Such names are given to avsc escaped
 * (`Gr_u00f6_u00dfe`), and values cross between the two spellings here: a
 * decoded value gets its field names, enum symbols and wrapped-union branch
 * names back as the schema wrote them, and a value to encode gets them
 * escaped. Only schemas with such a name pay for the walk.
 */
import type { Type } from 'avsc';
import avro from './avsc.js';

const AVSC_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** The escaped names of one schema, each mapped to its name as written; keyed by the type's escaped full name. */
export interface AvscNames {
  /** Full names of named types. */
  readonly types: Map<string, string>;
  readonly fields: Map<string, Map<string, string>>;
  readonly symbols: Map<string, Map<string, string>>;
}

export function emptyNames(): AvscNames {
  return { types: new Map(), fields: new Map(), symbols: new Map() };
}

export function hasEscapedNames(names: AvscNames): boolean {
  return names.types.size > 0 || names.fields.size > 0 || names.symbols.size > 0;
}

/**
 * A name part as avsc can hold it: unchanged when it can, else with every
 * character avsc refuses written `_u` and its four hex digits (a leading
 * digit too, and, for the name of a type, the first letter of a
 * primitive's name, which avsc takes for fields and symbols but not types).
 */
export function escapeName(part: string, ofType = false): string {
  const primitive = ofType && PRIMITIVES.has(part);
  if (AVSC_NAME.test(part) && !primitive) return part;
  let escaped = '';
  for (let i = 0; i < part.length; i += 1) {
    const unit = part.charAt(i);
    const kept = /[A-Za-z_]/.test(unit) || (i > 0 && /[0-9]/.test(unit));
    escaped += kept && !(i === 0 && primitive) ? unit : `_u${part.charCodeAt(i).toString(16).padStart(4, '0')}`;
  }
  return escaped;
}

/** A decoded value, with the names the schema wrote where avsc held them escaped. */
export function restoreNames(type: Type, value: unknown, names: AvscNames): unknown {
  return translate(type, value, names, 'restore');
}

/** A value to encode, with names escaped where avsc holds them so. */
export function escapeNames(type: Type, value: unknown, names: AvscNames): unknown {
  return translate(type, value, names, 'escape');
}

function inverse(map: Map<string, string> | undefined): Map<string, string> | undefined {
  return map === undefined ? undefined : new Map([...map].map(([escaped, written]) => [written, escaped]));
}

function translate(type: Type, value: unknown, names: AvscNames, direction: 'restore' | 'escape'): unknown {
  if (value === null || value === undefined || avro.Type.isType(type, 'logical')) return value;
  const restoring = direction === 'restore';
  if (type instanceof avro.types.EnumType) {
    const symbols = restoring ? names.symbols.get(type.name as string) : inverse(names.symbols.get(type.name as string));
    return typeof value === 'string' ? (symbols?.get(value) ?? value) : value;
  }
  if (type instanceof avro.types.RecordType) {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    const fields = names.fields.get(type.name as string);
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of type.fields) {
      const written = fields?.get(field.name) ?? field.name;
      const [from, to] = restoring ? [field.name, written] : [written, field.name];
      if (from in source) out[to] = translate(field.type, source[from], names, direction);
    }
    return out;
  }
  if (type instanceof avro.types.ArrayType) return Array.isArray(value) ? value.map((item) => translate(type.itemsType, item, names, direction)) : value;
  if (type instanceof avro.types.MapType) {
    if (typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, translate(type.valuesType as Type, item, names, direction)]));
  }
  if (type instanceof avro.types.WrappedUnionType) {
    const [key, inner] = Object.entries(value)[0] ?? [];
    if (key === undefined) return value;
    const branch = type.types.find((t) => (restoring ? t.branchName === key : (names.types.get(t.branchName as string) ?? t.branchName) === key));
    if (branch === undefined) return value;
    const name = branch.branchName as string;
    return { [restoring ? (names.types.get(name) ?? name) : name]: translate(branch, inner, names, direction) };
  }
  if (type instanceof avro.types.UnwrappedUnionType) {
    // At most one branch of a kind, so the branch that takes the value once translated is the one it is.
    for (const branch of type.types) {
      const candidate = translate(branch, value, names, direction);
      if (branch.isValid(restoring ? value : candidate)) return candidate;
    }
  }
  return value;
}
