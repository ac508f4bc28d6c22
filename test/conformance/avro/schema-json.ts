/**
 * Schema JSON as the corpus builds it: JSON plus numbers written exactly as
 * given, its serialisation, and the small builders every family of pairs
 * writes its schemas with.
 */

/** A JSON number written exactly as given (`1.0`, `9007199254740993`), which a JS number cannot keep. */
export class RawJsonNumber {
  public constructor(public readonly text: string) {}
}

/** A schema or default value as the generator builds it: JSON, plus raw numbers. */
export type SchemaJson = null | boolean | number | string | RawJsonNumber | readonly SchemaJson[] | { readonly [key: string]: SchemaJson };
export type JsonObject = { [key: string]: SchemaJson };

/**
 * Serialises a schema, writing raw numbers verbatim. JSON.stringify does the
 * nesting (a chain of 900 records is 2700 levels deep, more than a recursive
 * serialiser here would like); raw numbers go through it as marked strings.
 */
export function toJsonText(value: SchemaJson): string {
  const marked = JSON.stringify(value, (_key, item: unknown) => (item instanceof RawJsonNumber ? `${RAW_MARK}${item.text}${RAW_MARK}` : item));
  return marked.replace(RAW_MARKED, '$1');
}
const RAW_MARK = '\u0000raw:';
/** A marked raw number as JSON.stringify writes it: the mark's NUL comes out as `\u0000`. */
const RAW_MARKED = /"\\u0000raw:([-+.0-9eE]+)\\u0000raw:"/g;

export const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;

export function rec(name: string, fields: readonly SchemaJson[], extra: JsonObject = {}): JsonObject {
  return { type: 'record', name, ...extra, fields: [...fields] };
}
export function fld(name: string, type: SchemaJson, extra: JsonObject = {}): JsonObject {
  return { name, type, ...extra };
}
export function enm(name: string, symbols: readonly string[], extra: JsonObject = {}): JsonObject {
  return { type: 'enum', name, symbols: [...symbols], ...extra };
}
export function fixed(name: string, size: number, extra: JsonObject = {}): JsonObject {
  return { type: 'fixed', name, size, ...extra };
}
export function arr(items: SchemaJson): JsonObject {
  return { type: 'array', items };
}
export function map(values: SchemaJson): JsonObject {
  return { type: 'map', values };
}
/** A record `R` holding one field `f` of `type`, with `extra` (e.g. a default) on the field. */
export function holder(type: SchemaJson, extra: JsonObject = {}): JsonObject {
  return rec('R', [fld('f', type, extra)]);
}
/** A record `R` with no fields: the writer side of "the reader fills field `f` from its default". */
export const EMPTY_R = rec('R', []);
export const raw = (text: string): RawJsonNumber => new RawJsonNumber(text);

/** The name of a field or named type the generator built (always a string there). */
export function nameOf(node: JsonObject): string {
  return typeof node.name === 'string' ? node.name : '';
}

export function clone<T extends SchemaJson>(value: T): T {
  if (value instanceof RawJsonNumber || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly SchemaJson[]).map(clone) as unknown as T;
  return Object.fromEntries(Object.entries(value as JsonObject).map(([key, item]) => [key, clone(item)])) as T;
}
