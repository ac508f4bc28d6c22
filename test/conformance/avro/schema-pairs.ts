/**
 * The Avro conformance corpus: reader/writer schema pairs, as schema texts,
 * for the project's checker and Avro Java to judge. Hand-written families
 * cover the corners the registry is known to be particular about; a seeded
 * generator adds random schemas and the changes people make to them, read
 * in both directions. The same seed always gives the same corpus.
 */

/** A JSON number written exactly as given (`1.0`, `9007199254740993`), which a JS number cannot keep. */
export class RawJsonNumber {
  public constructor(public readonly text: string) {}
}

/** A schema or default value as the generator builds it: JSON, plus raw numbers. */
export type SchemaJson = null | boolean | number | string | RawJsonNumber | readonly SchemaJson[] | { readonly [key: string]: SchemaJson };
type JsonObject = { [key: string]: SchemaJson };

export interface SchemaPair {
  /** Unique in the corpus: `<family>#<n>`. */
  readonly id: string;
  /** What the pair exercises, e.g. `default/double-NaN` or `random/add-field`; disagreements are grouped by it. */
  readonly family: string;
  readonly reader: string;
  readonly writer: string;
}

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

// --- seeded randomness ------------------------------------------------------

/** mulberry32: small, fast and good enough to spread cases; the point is repeatability. */
export class SeededRandom {
  private state: number;
  public constructor(seed: number) {
    this.state = seed >>> 0;
  }
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  public int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  public chance(probability: number): boolean {
    return this.next() < probability;
  }
  public pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

// --- builders ---------------------------------------------------------------

const PRIMITIVES = ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'] as const;

function rec(name: string, fields: readonly SchemaJson[], extra: JsonObject = {}): JsonObject {
  return { type: 'record', name, ...extra, fields: [...fields] };
}
function fld(name: string, type: SchemaJson, extra: JsonObject = {}): JsonObject {
  return { name, type, ...extra };
}
function enm(name: string, symbols: readonly string[], extra: JsonObject = {}): JsonObject {
  return { type: 'enum', name, symbols: [...symbols], ...extra };
}
function fixed(name: string, size: number, extra: JsonObject = {}): JsonObject {
  return { type: 'fixed', name, size, ...extra };
}
function arr(items: SchemaJson): JsonObject {
  return { type: 'array', items };
}
function map(values: SchemaJson): JsonObject {
  return { type: 'map', values };
}
/** A record `R` holding one field `f` of `type`, with `extra` (e.g. a default) on the field. */
function holder(type: SchemaJson, extra: JsonObject = {}): JsonObject {
  return rec('R', [fld('f', type, extra)]);
}
/** A record `R` with no fields: the writer side of "the reader fills field `f` from its default". */
const EMPTY_R = rec('R', []);
const raw = (text: string): RawJsonNumber => new RawJsonNumber(text);

// --- hand-written families --------------------------------------------------

type Case = readonly [family: string, reader: SchemaJson, writer: SchemaJson];

function primitiveCases(): Case[] {
  const cases: Case[] = [];
  // Every primitive against every other: the promotions and everything else.
  for (const reader of PRIMITIVES) for (const writer of PRIMITIVES) cases.push(['primitive/pair', reader, writer]);
  for (const reader of PRIMITIVES) for (const writer of PRIMITIVES) cases.push(['primitive/in-record', holder(reader), holder(writer)]);
  for (const p of PRIMITIVES) cases.push(['primitive/object-form', { type: p }, p]);
  return cases;
}

/** Defaults the reader fills a missing field with: [family, field type, default]. */
function defaultCases(): Case[] {
  const named = {
    enumE: enm('E', ['A', 'B']),
    fixedF: fixed('F', 2),
    inner: rec('Inner', [fld('x', 'int'), fld('y', 'string', { default: 'y' })]),
  };
  const table: readonly [string, SchemaJson, SchemaJson][] = [
    ['default/null', 'null', null],
    ['default/null-wrong', 'null', 0],
    ['default/boolean', 'boolean', true],
    ['default/boolean-wrong', 'boolean', 'true'],
    ['default/int', 'int', 7],
    ['default/int-negative', 'int', -2147483648],
    ['default/int-written-1.0', 'int', raw('1.0')],
    ['default/int-exponent', 'int', raw('1e2')],
    ['default/int-too-big', 'int', raw('2147483648')],
    ['default/int-as-string', 'int', '1'],
    ['default/long', 'long', 5],
    ['default/long-above-2^53', 'long', raw('9007199254740993')],
    ['default/long-max', 'long', raw('9223372036854775807')],
    ['default/long-too-big', 'long', raw('9223372036854775808')],
    ['default/long-written-2.0', 'long', raw('2.0')],
    ['default/float', 'float', 1.5],
    ['default/float-int', 'float', 3],
    ['default/float-NaN', 'float', 'NaN'],
    ['default/double', 'double', 2.25],
    ['default/double-big-int', 'double', raw('123456789012345678901234567890')],
    ['default/double-NaN', 'double', 'NaN'],
    ['default/double-Infinity', 'double', 'Infinity'],
    ['default/double-minus-Infinity', 'double', '-Infinity'],
    ['default/double-numeric-string', 'double', '1.5'],
    ['default/double-word', 'double', 'abc'],
    ['default/double-null', 'double', null],
    ['default/string', 'string', 'hello'],
    ['default/string-number', 'string', 1],
    ['default/string-null', 'string', null],
    ['default/bytes', 'bytes', '\u00ff\u0000'],
    ['default/bytes-wide-char', 'bytes', '\u20ac'],
    ['default/bytes-array', 'bytes', [1, 2]],
    ['default/enum', named.enumE, 'A'],
    ['default/enum-not-a-symbol', named.enumE, 'Z'],
    ['default/enum-number', named.enumE, 1],
    ['default/fixed', named.fixedF, '\u0001\u0002'],
    ['default/fixed-wrong-length', named.fixedF, 'abc'],
    ['default/fixed-number', named.fixedF, 3],
    ['default/array', arr('int'), [1, 2, 3]],
    ['default/array-wrong-item', arr('int'), [1, 'x']],
    ['default/array-object', arr('int'), {}],
    ['default/map', map('long'), { a: 1 }],
    ['default/map-wrong-value', map('long'), { a: 'x' }],
    ['default/union-first-branch', ['null', 'string'], null],
    ['default/union-later-branch', ['null', 'string'], 'x'],
    ['default/union-later-branch-int', ['string', 'int'], 3],
    ['default/union-no-branch', ['null', 'string'], 3],
    ['default/union-record-default', ['null', named.inner], null],
    ['default/record', named.inner, { x: 1 }],
    ['default/record-all-fields', named.inner, { x: 1, y: 'z' }],
    ['default/record-missing-required', named.inner, { y: 'z' }],
    ['default/record-extra-key', named.inner, { x: 1, q: 2 }],
    ['default/record-wrong-type', named.inner, { x: 'one' }],
    ['default/record-not-object', named.inner, 1],
    ['default/nested-record', rec('Outer', [fld('inner', named.inner), fld('n', 'int', { default: 0 })]), { inner: { x: 2 } }],
    ['default/union-NaN', ['double', 'null'], 'NaN'],
    ['default/double-hex-string', 'double', ' 0x1p3 '],
    ['default/double-suffix', 'double', '1d'],
    ['default/nested-double-NaN', rec('I', [fld('d', 'double')]), { d: 'NaN' }],
    ['default/nested-field-default-NaN', rec('I', [fld('d', 'double', { default: 'NaN' })]), {}],
    ['default/nested-union-later-branch', rec('I', [fld('u', ['null', 'string'])]), { u: 'x' }],
    ['default/nested-long-above-2^53', rec('I', [fld('n', 'long')]), { n: raw('9007199254740993') }],
    ['default/empty-union', [], null],
    ['default/logical-timestamp', { type: 'long', logicalType: 'timestamp-millis' }, 0],
    ['default/logical-decimal', { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 }, '\u0000'],
    ['default/logical-uuid', { type: 'string', logicalType: 'uuid' }, '6a2f41a3-c54c-fce8-32d2-0324e1c32e22'],
  ];
  const cases: Case[] = [];
  for (const [family, type, value] of table) {
    // The reader fills the field from its default; then both declare it, so only validity differs.
    cases.push([family, holder(type, { default: value }), EMPTY_R]);
    cases.push([`${family}/both`, holder(type, { default: value }), holder(type)]);
  }
  // A default of a record inside its own definition: Java has not set the record's fields yet.
  cases.push(['default/own-record-inside-itself', rec('R', [fld('self', ['null', 'R'], { default: null }), fld('x', 'R', { default: {} })]), EMPTY_R]);
  // An enum default is the symbol a reader uses for symbols it lacks.
  cases.push(['enum-default/null', enm('E', ['A'], { default: null }), enm('E', ['A', 'B'])]);
  cases.push(['enum-default/null-same', enm('E', ['A'], { default: null }), enm('E', ['A'])]);
  cases.push(['enum-default/symbol', enm('E', ['A'], { default: 'A' }), enm('E', ['A', 'B'])]);
  cases.push(['enum-default/not-a-symbol', enm('E', ['A'], { default: 'B' }), enm('E', ['A'])]);
  cases.push(['enum-default/number', enm('E', ['A'], { default: 1 }), enm('E', ['A'])]);
  cases.push(['enum-default/field-missing', holder(enm('E', ['A'], { default: 'A' })), EMPTY_R]);
  return cases;
}

function aliasCases(): Case[] {
  return [
    // Java checks a record's fields even when the names differ, and stops with an error on an ambiguous field there.
    ['alias/ambiguous-after-matching-union-branch', [rec('A', [fld('a', 'int')]), rec('B', [fld('a', 'int', { aliases: ['b'] })])], rec('A', [fld('a', 'int'), fld('b', 'int')])],
    ['alias/ambiguous-before-matching-union-branch', [rec('B', [fld('a', 'int', { aliases: ['b'] })]), rec('A', [fld('a', 'int')])], rec('A', [fld('a', 'int'), fld('b', 'int')])],
    ['alias/ambiguous-in-renamed-record', rec('B', [fld('a', 'int', { aliases: ['b'] })]), rec('A', [fld('a', 'int'), fld('b', 'int')])],
    ['alias/ambiguous-in-writer-union', rec('B', [fld('a', 'int', { aliases: ['b'] })]), ['int', rec('A', [fld('a', 'int'), fld('b', 'int')])]],
    ['alias/ambiguous-deep-in-renamed-record', rec('B', [fld('in', rec('I', [fld('a', 'int', { aliases: ['b'] })]))]), [rec('A', [fld('in', rec('I', [fld('a', 'int'), fld('b', 'int')]))]), rec('B', [fld('in', 'I')])]],
    ['alias/field-renamed', rec('R', [fld('b', 'int', { aliases: ['a'] })]), rec('R', [fld('a', 'int')])],
    ['alias/field-renamed-no-alias', rec('R', [fld('b', 'int')]), rec('R', [fld('a', 'int')])],
    ['alias/field-name-and-alias-both-match', rec('R', [fld('a', 'int', { aliases: ['b'] })]), rec('R', [fld('a', 'int'), fld('b', 'int')])],
    ['alias/field-alias-is-own-name', rec('R', [fld('a', 'int', { aliases: ['a'] })]), rec('R', [fld('a', 'int')])],
    ['alias/field-two-aliases-match', rec('R', [fld('c', 'int', { aliases: ['a', 'b'] })]), rec('R', [fld('a', 'int'), fld('b', 'int')])],
    ['alias/field-alias-of-other-field', rec('R', [fld('a', 'int'), fld('b', 'int', { aliases: ['a'] })]), rec('R', [fld('a', 'int')])],
    ['alias/field-alias-invalid-name', rec('R', [fld('b', 'int', { aliases: ['1a'] })]), rec('R', [fld('b', 'int')])],
    ['alias/type-renamed', rec('S', [fld('a', 'int')], { aliases: ['R'] }), rec('R', [fld('a', 'int')])],
    ['alias/type-renamed-no-alias', rec('S', [fld('a', 'int')]), rec('R', [fld('a', 'int')])],
    ['alias/type-alias-string', rec('S', [fld('a', 'int')], { aliases: 'R' }), rec('R', [fld('a', 'int')])],
    ['alias/field-alias-string', rec('R', [fld('b', 'int', { aliases: 'a' })]), rec('R', [fld('a', 'int')])],
    ['alias/type-alias-namespaced', rec('S', [fld('a', 'int')], { namespace: 'n', aliases: ['R'] }), rec('R', [fld('a', 'int')], { namespace: 'n' })],
    ['alias/type-alias-other-namespace', rec('S', [fld('a', 'int')], { namespace: 'n', aliases: ['m.R'] }), rec('R', [fld('a', 'int')], { namespace: 'm' })],
    ['alias/type-alias-short-other-namespace', rec('S', [fld('a', 'int')], { namespace: 'n', aliases: ['R'] }), rec('R', [fld('a', 'int')], { namespace: 'm' })],
    ['alias/type-alias-invalid-name', rec('S', [fld('a', 'int')], { aliases: ['9R'] }), rec('R', [fld('a', 'int')])],
    ['alias/type-alias-number', rec('S', [fld('a', 'int')], { aliases: [1] }), rec('R', [fld('a', 'int')])],
    ['alias/enum-renamed', enm('F', ['A'], { aliases: ['E'] }), enm('E', ['A'])],
    ['alias/fixed-renamed', fixed('G', 4, { aliases: ['F'] }), fixed('F', 4)],
    ['alias/same-name-other-namespace', rec('R', [fld('a', 'int')], { namespace: 'x' }), rec('R', [fld('a', 'int')], { namespace: 'y' })],
  ];
}

function enumFixedCases(): Case[] {
  return [
    ['enum/same', enm('E', ['A', 'B']), enm('E', ['A', 'B'])],
    ['enum/symbol-added-in-writer', enm('E', ['A']), enm('E', ['A', 'B'])],
    ['enum/symbol-removed-in-writer', enm('E', ['A', 'B']), enm('E', ['A'])],
    ['enum/reordered', enm('E', ['B', 'A']), enm('E', ['A', 'B'])],
    ['enum/renamed', enm('F', ['A']), enm('E', ['A'])],
    ['enum/no-symbols', enm('E', []), enm('E', [])],
    ['enum/duplicate-symbol', enm('E', ['A', 'A']), enm('E', ['A'])],
    ['enum/invalid-symbol', enm('E', ['1A']), enm('E', ['A'])],
    ['enum/unicode-symbol', enm('E', ['Ä']), enm('E', ['Ä'])],
    ['enum/symbols-not-array', { type: 'enum', name: 'E', symbols: 'A' }, enm('E', ['A'])],
    ['fixed/same', fixed('F', 4), fixed('F', 4)],
    ['fixed/size-differs', fixed('F', 4), fixed('F', 8)],
    ['fixed/name-differs', fixed('G', 4), fixed('F', 4)],
    ['fixed/size-zero', fixed('F', 0), fixed('F', 0)],
    ['fixed/size-negative', fixed('F', -1), fixed('F', 4)],
    ['fixed/size-string', { type: 'fixed', name: 'F', size: '4' }, fixed('F', 4)],
    ['fixed/size-float', { type: 'fixed', name: 'F', size: raw('4.0') }, fixed('F', 4)],
    ['fixed/vs-bytes', 'bytes', fixed('F', 4)],
  ];
}

function unionCases(): Case[] {
  const a = rec('A', [fld('x', 'int')]);
  const b = rec('B', [fld('y', 'string')]);
  const e = enm('E', ['P', 'Q']);
  const f = fixed('F', 2);
  const ax = rec('X', [fld('v', 'int')], { namespace: 'a' });
  const bx = rec('X', [fld('w', 'string')], { namespace: 'b' });
  const several: readonly [string, SchemaJson][] = [
    ['two-records', [a, b]],
    ['int-double', ['int', 'double']],
    ['string-enum', ['string', e]],
    ['bytes-fixed', ['bytes', f]],
    ['map-record', [map('int'), a]],
    ['null-two-records', ['null', a, b]],
    ['same-short-name', [ax, bx]],
  ];
  const cases: Case[] = [];
  for (const [name, union] of several) {
    cases.push([`union/several-named/${name}/self`, union, union]);
    cases.push([`union/several-named/${name}/in-record`, holder(union), holder(union)]);
  }
  cases.push(['union/several-named/reader-union-writer-branch', [a, b], b]);
  cases.push(['union/several-named/writer-union-reader-branch', b, [a, b]]);
  cases.push(['union/several-named/int-double-reads-long', ['int', 'double'], 'long']);
  cases.push(['union/several-named/string-enum-reads-bytes', ['string', e], 'bytes']);
  cases.push(['union/same-short-name/a-only', [ax, bx], ax]);
  cases.push(['union/same-short-name/swapped', [bx, ax], [ax, bx]]);
  cases.push(['union/branch-added', ['null', 'string', 'int'], ['null', 'string']]);
  cases.push(['union/branch-removed', ['null', 'string'], ['null', 'string', 'int']]);
  cases.push(['union/to-non-union', 'string', ['null', 'string']]);
  cases.push(['union/from-non-union', ['null', 'string'], 'string']);
  cases.push(['union/from-non-union-promoted', ['null', 'long'], 'int']);
  cases.push(['union/single-branch', ['string'], 'string']);
  cases.push(['union/empty', [], []]);
  cases.push(['union/empty-reader', [], 'int']);
  cases.push(['union/empty-writer', 'int', []]);
  cases.push(['union/empty-in-record', holder([]), holder([])]);
  cases.push(['union/duplicate', ['int', 'int'], 'int']);
  cases.push(['union/duplicate-array', [arr('int'), arr('string')], arr('int')]);
  cases.push(['union/nested', ['null', ['int']], 'int']);
  cases.push(['union/duplicate-record-name', [a, rec('A', [fld('z', 'int')])], a]);
  cases.push(['union/record-reference-twice', [a, 'A'], a]);
  cases.push(['union/branch-deep-mismatch', [rec('A', [fld('x', 'string')]), rec('C', [fld('x', 'int')], { aliases: ['A'] })], a]);
  return cases;
}

function nameCases(): Case[] {
  return [
    ['name/unicode-record', rec('Ärger', [fld('größe', 'int')]), rec('Ärger', [fld('größe', 'int')])],
    ['name/unicode-namespace', rec('R', [fld('a', 'int')], { namespace: 'été.ñ' }), rec('R', [fld('a', 'int')], { namespace: 'été.ñ' })],
    ['name/cjk', rec('名前', [fld('値', 'int')]), rec('名前', [fld('値', 'int')])],
    ['name/digit-start', rec('1R', [fld('a', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/dash', rec('R-1', [fld('a', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/field-dash', rec('R', [fld('a-b', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/field-empty', rec('R', [fld('', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/underscore', rec('_R', [fld('_a', 'int')]), rec('_R', [fld('_a', 'int')])],
    ['name/namespace-bad-segment', rec('R', [fld('a', 'int')], { namespace: '1x.y' }), rec('R', [fld('a', 'int')])],
    ['name/namespace-empty-segment', rec('R', [fld('a', 'int')], { namespace: 'x..y' }), rec('R', [fld('a', 'int')])],
    ['name/namespace-empty', rec('R', [fld('a', 'int')], { namespace: '' }), rec('R', [fld('a', 'int')])],
    ['name/namespace-number', rec('R', [fld('a', 'int')], { namespace: 3 }), rec('R', [fld('a', 'int')])],
    ['name/dotted-name', rec('x.y.R', [fld('a', 'int')]), rec('R', [fld('a', 'int')], { namespace: 'x.y' })],
    ['name/dotted-name-wins', rec('x.R', [fld('a', 'int')], { namespace: 'z' }), rec('R', [fld('a', 'int')], { namespace: 'x' })],
    ['name/leading-dot', rec('.R', [fld('a', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/primitive-name', rec('int', [fld('a', 'int')]), rec('R', [fld('a', 'int')])],
    ['name/primitive-name-namespaced', rec('int', [fld('a', 'int')], { namespace: 'n' }), rec('int', [fld('a', 'int')], { namespace: 'n' })],
    ['name/type-keyword-name', rec('record', [fld('a', 'int')]), rec('record', [fld('a', 'int')])],
    ['name/missing', { type: 'record', fields: [] }, EMPTY_R],
    ['name/not-string', { type: 'record', name: 5, fields: [] }, EMPTY_R],
    ['name/duplicate-field', rec('R', [fld('a', 'int'), fld('a', 'long')]), rec('R', [fld('a', 'int')])],
    ['name/redefined', rec('R', [fld('a', enm('E', ['A'])), fld('b', enm('E', ['A']))]), rec('R', [fld('a', enm('E', ['A']))])],
    [
      'name/short-ref-to-null-namespace',
      rec('Outer', [fld('a', rec('Top', [fld('x', 'int')], { namespace: '' })), fld('b', 'Top')], { namespace: 'n' }),
      rec('Outer', [fld('a', rec('Top', [fld('x', 'int')], { namespace: '' })), fld('b', 'Top')], { namespace: 'n' }),
    ],
    [
      'name/short-ref-inherits-namespace',
      rec('Outer', [fld('a', rec('Inner', [fld('x', 'int')])), fld('b', 'Inner')], { namespace: 'n' }),
      rec('Outer', [fld('a', rec('Inner', [fld('x', 'int')])), fld('b', 'n.Inner')], { namespace: 'n' }),
    ],
    [
      'name/ref-undefined',
      rec('Outer', [fld('b', 'Nowhere')]),
      EMPTY_R,
    ],
    [
      'name/ref-before-definition',
      rec('Outer', [fld('b', 'Later'), fld('a', rec('Later', []))]),
      rec('Outer', [fld('a', rec('Later', []))]),
    ],
    ['name/type-as-name-reference', rec('Outer', [fld('a', rec('In', [])), fld('b', { type: 'In' })]), rec('Outer', [fld('a', rec('In', []))])],
    ['name/unknown-type', { type: 'decimal' }, 'bytes'],
    ['name/record-fields-missing', { type: 'record', name: 'R' }, EMPTY_R],
    ['name/field-type-missing', rec('R', [{ name: 'a' }]), EMPTY_R],
    ['name/field-order', rec('R', [fld('a', 'int', { order: 'descending' })]), rec('R', [fld('a', 'int')])],
    ['name/field-order-invalid', rec('R', [fld('a', 'int', { order: 'sideways' })]), rec('R', [fld('a', 'int')])],
    ['name/error-type', { type: 'error', name: 'R', fields: [fld('a', 'int')] }, rec('R', [fld('a', 'int')])],
    ['name/recursive', rec('Node', [fld('v', 'int'), fld('next', ['null', 'Node'], { default: null })]), rec('Node', [fld('v', 'int'), fld('next', ['null', 'Node'])])],
    ['name/anonymous-record', { type: 'array', items: { type: 'record', fields: [] } }, arr('int')],
  ];
}

function logicalCases(): Case[] {
  const logical = (type: string, logicalType: string, extra: JsonObject = {}): JsonObject => ({ type, logicalType, ...extra });
  const kinds: readonly [string, SchemaJson][] = [
    ['timestamp-millis', logical('long', 'timestamp-millis')],
    ['timestamp-micros', logical('long', 'timestamp-micros')],
    ['local-timestamp-millis', logical('long', 'local-timestamp-millis')],
    ['local-timestamp-micros', logical('long', 'local-timestamp-micros')],
    ['date', logical('int', 'date')],
    ['time-millis', logical('int', 'time-millis')],
    ['uuid', logical('string', 'uuid')],
    ['decimal-bytes', logical('bytes', 'decimal', { precision: 10, scale: 2 })],
    ['decimal-fixed', { ...fixed('Money', 8), logicalType: 'decimal', precision: 10, scale: 2 }],
    ['decimal-no-precision', logical('bytes', 'decimal')],
    ['decimal-scale-too-big', logical('bytes', 'decimal', { precision: 2, scale: 5 })],
    ['decimal-fixed-too-small', { ...fixed('Money', 1), logicalType: 'decimal', precision: 10 }],
    ['timestamp-on-string', logical('string', 'timestamp-millis')],
    ['unknown-logical', logical('string', 'made-up')],
  ];
  const cases: Case[] = [];
  for (const [name, schema] of kinds) {
    cases.push([`logical/${name}/self`, schema, schema]);
    cases.push([`logical/${name}/in-record`, holder(schema), holder(schema)]);
  }
  cases.push(['logical/timestamp-reads-long', logical('long', 'timestamp-millis'), 'long']);
  cases.push(['logical/millis-reads-micros', logical('long', 'timestamp-millis'), logical('long', 'timestamp-micros')]);
  cases.push(['logical/date-reads-int', logical('int', 'date'), 'int']);
  cases.push(['logical/long-reads-date', 'long', logical('int', 'date')]);
  cases.push(['logical/decimal-scale-differs', logical('bytes', 'decimal', { precision: 10, scale: 2 }), logical('bytes', 'decimal', { precision: 10, scale: 3 })]);
  cases.push(['logical/uuid-reads-string', logical('string', 'uuid'), 'string']);
  return cases;
}

/** A chain of `depth` records, each holding the next: Avro walks it; the checker must not overflow its stack. */
export function nestedChain(depth: number, leafType: SchemaJson = 'int'): SchemaJson {
  let inner: SchemaJson = leafType;
  for (let level = depth - 1; level >= 0; level -= 1) inner = rec(`L${level}`, [fld('next', inner)]);
  return inner;
}

function nestingCases(): Case[] {
  return [
    ['nesting/chain-900-self', nestedChain(900), nestedChain(900)],
    ['nesting/chain-900-promoted', nestedChain(900, 'long'), nestedChain(900, 'int')],
    ['nesting/chain-900-mismatch', nestedChain(900, 'int'), nestedChain(900, 'string')],
    ['nesting/arrays-200', Array.from({ length: 200 }).reduce<SchemaJson>((inner) => arr(inner), 'int'), Array.from({ length: 200 }).reduce<SchemaJson>((inner) => arr(inner), 'int')],
  ];
}

// --- random schemas ---------------------------------------------------------

const NAMESPACES = [undefined, undefined, 'a', 'b', 'a.b'] as const;
const SHORT_NAMES = ['R', 'S', 'T', 'X'] as const;
const FIELD_NAMES = ['a', 'b', 'c', 'd', 'e'] as const;
const SYMBOLS = ['A', 'B', 'C', 'D'] as const;

interface GenContext {
  readonly random: SeededRandom;
  /** Named types defined so far, by full name: references may point at them and defaults need their shape. */
  readonly defined: Map<string, JsonObject>;
  namespace: string | undefined;
  serial: number;
}

function fullNameOf(name: string, namespace: string | undefined): string {
  if (name.includes('.')) return name;
  return namespace ? `${namespace}.${name}` : name;
}

/** A fresh name, sometimes reusing a short name in another namespace so unions and references meet same-named types. */
function freshName(ctx: GenContext): { name: string; extra: JsonObject; fullName: string; namespace: string | undefined } {
  for (;;) {
    const short = `${ctx.random.pick(SHORT_NAMES)}${ctx.random.chance(0.5) ? String(ctx.serial++) : ''}`;
    const namespace = ctx.random.chance(0.3) ? ctx.random.pick(NAMESPACES) : ctx.namespace;
    const extra: JsonObject = namespace !== ctx.namespace ? { namespace: namespace ?? '' } : {};
    const fullName = fullNameOf(short, namespace);
    if (!ctx.defined.has(fullName)) return { name: short, extra, fullName, namespace };
  }
}

function randomPrimitiveLike(ctx: GenContext): SchemaJson {
  const random = ctx.random;
  if (random.chance(0.12)) {
    return random.pick<SchemaJson>([
      { type: 'long', logicalType: 'timestamp-millis' },
      { type: 'long', logicalType: 'timestamp-micros' },
      { type: 'long', logicalType: 'local-timestamp-millis' },
      { type: 'int', logicalType: 'date' },
      { type: 'string', logicalType: 'uuid' },
      { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 },
    ]);
  }
  return random.pick(PRIMITIVES.filter((p) => p !== 'null'));
}

function randomType(ctx: GenContext, depth: number): SchemaJson {
  const random = ctx.random;
  const roll = random.next();
  if (depth <= 0 || roll < 0.4) return randomPrimitiveLike(ctx);
  if (roll < 0.47 && ctx.defined.size > 0) {
    // A reference to a type defined earlier, by full or (when in scope) short name.
    const fullName = random.pick([...ctx.defined.keys()]);
    const dot = fullName.lastIndexOf('.');
    const inScope = (dot < 0 ? undefined : fullName.slice(0, dot)) === ctx.namespace;
    return inScope && random.chance(0.5) ? fullName.slice(dot + 1) : fullName;
  }
  if (roll < 0.62) return randomRecord(ctx, depth - 1);
  if (roll < 0.7) {
    const { name, extra, fullName } = freshName(ctx);
    const symbols = SYMBOLS.filter(() => random.chance(0.7));
    const schema = enm(name, symbols.length > 0 ? symbols : ['A'], extra);
    if (random.chance(0.2)) schema.default = random.pick([...(schema.symbols as string[]), 'Z']);
    ctx.defined.set(fullName, schema);
    return schema;
  }
  if (roll < 0.76) {
    const { name, extra, fullName } = freshName(ctx);
    const schema = fixed(name, random.pick([1, 2, 4, 16]), extra);
    ctx.defined.set(fullName, schema);
    return schema;
  }
  if (roll < 0.83) return arr(randomType(ctx, depth - 1));
  if (roll < 0.88) return map(randomType(ctx, depth - 1));
  return randomUnion(ctx, depth - 1);
}

function randomUnion(ctx: GenContext, depth: number): SchemaJson {
  const random = ctx.random;
  const branches: SchemaJson[] = random.chance(0.6) ? ['null'] : [];
  const count = 1 + random.int(3);
  for (let i = 0; i < count; i += 1) {
    const branch = randomType(ctx, Math.min(depth, 1));
    if (Array.isArray(branch)) continue;
    branches.push(branch);
  }
  if (random.chance(0.3)) branches.reverse();
  return branches;
}

function randomRecord(ctx: GenContext, depth: number): JsonObject {
  const random = ctx.random;
  const { name, extra, fullName, namespace } = freshName(ctx);
  const schema = rec(name, [], extra);
  ctx.defined.set(fullName, schema);
  const saved = ctx.namespace;
  ctx.namespace = namespace;
  const fields: JsonObject[] = [];
  for (const fieldName of FIELD_NAMES.slice(0, 1 + random.int(4))) {
    const type = randomType(ctx, depth);
    const field = fld(fieldName, type);
    if (random.chance(0.35)) field.default = randomDefault(ctx, type, 2);
    fields.push(field);
  }
  schema.fields = fields;
  ctx.namespace = saved;
  return schema;
}

/** A default for `type`: mostly valid, sometimes one of the edge forms Avro Java and JS see differently. */
function randomDefault(ctx: GenContext, type: SchemaJson, depth: number): SchemaJson {
  const random = ctx.random;
  if (typeof type === 'string') {
    const named = ctx.defined.get(fullNameOf(type, ctx.namespace)) ?? ctx.defined.get(type);
    if (named !== undefined) return randomDefault(ctx, named, depth);
  }
  if (Array.isArray(type)) {
    const branches = type as readonly SchemaJson[];
    if (branches.length === 0) return null;
    // Usually the first branch, as the spec says; sometimes a later one, which Avro 1.11 Java checks too.
    const branch = random.chance(0.75) ? branches[0] : random.pick(branches);
    return randomDefault(ctx, branch ?? 'null', depth);
  }
  const kind = typeof type === 'string' ? type : typeof type === 'object' && type !== null && !(type instanceof RawJsonNumber) ? (type as JsonObject).type : undefined;
  const schema = typeof type === 'object' && type !== null ? (type as JsonObject) : {};
  switch (kind) {
    case 'null':
      return null;
    case 'boolean':
      return random.chance(0.5);
    case 'int':
      return random.pick<SchemaJson>([0, 42, -7, raw('1.0'), 2147483647]);
    case 'long':
      return random.pick<SchemaJson>([0, 123, raw('9007199254740993'), raw('-9223372036854775808'), raw('3.0')]);
    case 'float':
    case 'double':
      return random.pick<SchemaJson>([0, 1.5, -2, 'NaN', 'Infinity', '-Infinity', raw('1e300')]);
    case 'string':
      return random.pick(['', 'x', 'ü']);
    case 'bytes':
      return random.pick(['', '\u0000\u00ff', 'ab']);
    case 'enum': {
      const symbols = (schema.symbols as readonly string[] | undefined) ?? [];
      return random.chance(0.9) && symbols.length > 0 ? random.pick(symbols) : 'Z';
    }
    case 'fixed': {
      const size = typeof schema.size === 'number' ? schema.size : 1;
      return random.chance(0.85) ? '\u0001'.repeat(size) : 'toolong!!!!!!!!!!!!!';
    }
    case 'array':
      return depth > 0 && random.chance(0.5) ? [randomDefault(ctx, schema.items ?? 'null', depth - 1)] : [];
    case 'map':
      return depth > 0 && random.chance(0.5) ? { k: randomDefault(ctx, schema.values ?? 'null', depth - 1) } : {};
    case 'record':
    case 'error': {
      const value: JsonObject = {};
      for (const field of (schema.fields as readonly JsonObject[] | undefined) ?? []) {
        if (Object.hasOwn(field, 'default') && random.chance(0.5)) continue;
        value[nameOf(field)] = depth > 0 ? randomDefault(ctx, field.type ?? 'null', depth - 1) : null;
      }
      return value;
    }
    default:
      return null;
  }
}

// --- mutations: the changes people make between versions ------------------

type Mutation = (schema: JsonObject, random: SeededRandom) => string | undefined;

/** The name of a field or named type the generator built (always a string there). */
function nameOf(node: JsonObject): string {
  return typeof node.name === 'string' ? node.name : '';
}

function clone<T extends SchemaJson>(value: T): T {
  if (value instanceof RawJsonNumber || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return (value as readonly SchemaJson[]).map(clone) as unknown as T;
  return Object.fromEntries(Object.entries(value as JsonObject).map(([key, item]) => [key, clone(item)])) as T;
}

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

function mutate(base: JsonObject, random: SeededRandom): { schema: JsonObject; change: string } {
  const schema = clone(base);
  const names = Object.keys(MUTATIONS);
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const mutation = MUTATIONS[random.pick(names)];
    const change = mutation?.(schema, random);
    if (change !== undefined) return { schema, change };
  }
  return { schema, change: 'unchanged' };
}

// --- fuzz: odd values where the parser expects something particular ------

/** JSON values that sit on the edges of what a default, a name, a size or a type may be. */
const ODD_VALUES: readonly SchemaJson[] = [
  null, true, 0, -1, raw('1.0'), raw('1e2'), raw('2147483648'), raw('9223372036854775808'), raw('-0'),
  '', 'NaN', 'x', 'A', 'int', 'R', 'a.R', '1a', 'ä', '\ud83d\ude00', [], [null], [1], ['A'], {}, { a: 1 }, { x: 1 }, { type: 'int' },
];

/** A copy of `schema` with one object key removed or given an odd value: mostly schemas Avro Java refuses, some it takes. */
function corrupt(schema: JsonObject, random: SeededRandom): JsonObject {
  const copy = clone(schema);
  const objects: JsonObject[] = [];
  const collect = (value: SchemaJson): void => {
    if (value === null || typeof value !== 'object' || value instanceof RawJsonNumber) return;
    if (Array.isArray(value)) {
      for (const item of value as readonly SchemaJson[]) collect(item);
      return;
    }
    const object = value as JsonObject;
    objects.push(object);
    for (const item of Object.values(object)) collect(item);
  };
  collect(copy);
  const target = random.pick(objects.filter((object) => Object.keys(object).length > 0));
  const key = random.chance(0.8) ? random.pick(Object.keys(target)) : random.pick(['aliases', 'namespace', 'order', 'default', 'logicalType']);
  if (random.chance(0.25)) delete target[key];
  else target[key] = random.pick(ODD_VALUES);
  return copy;
}

function fuzzPairs(random: SeededRandom, count: number, add: (family: string, reader: SchemaJson, writer: SchemaJson) => void): void {
  for (let i = 0; i < count; i += 1) {
    const ctx: GenContext = { random, defined: new Map(), namespace: undefined, serial: 0 };
    const base = randomRecord(ctx, 2);
    // A field of a random type with an odd default, read from data without it.
    const type = randomType(ctx, 2);
    add('fuzz/odd-default', rec('Z', [fld('f', type, { default: random.pick(ODD_VALUES) })]), rec('Z', []));
    add('fuzz/corrupt', corrupt(base, random), base);
  }
}

// --- the corpus ---------------------------------------------------------------

export interface CorpusOptions {
  readonly seed: number;
  /** How many random base schemas; each gives several pairs. */
  readonly randomSchemas: number;
  /** How many rounds of fuzz, each an odd default and a corrupted schema. */
  readonly fuzzRounds: number;
}

export function generateSchemaPairs(options: CorpusOptions): SchemaPair[] {
  const pairs: SchemaPair[] = [];
  const counts = new Map<string, number>();
  const add = (family: string, reader: SchemaJson, writer: SchemaJson): void => {
    const n = (counts.get(family) ?? 0) + 1;
    counts.set(family, n);
    pairs.push({ id: `${family}#${n}`, family, reader: toJsonText(reader), writer: toJsonText(writer) });
  };

  for (const [family, reader, writer] of [...primitiveCases(), ...defaultCases(), ...aliasCases(), ...enumFixedCases(), ...unionCases(), ...nameCases(), ...logicalCases(), ...nestingCases()]) {
    add(family, reader, writer);
    // The other direction too, unless the pair is its own mirror.
    if (toJsonText(reader) !== toJsonText(writer)) add(`${family}/reversed`, writer, reader);
  }

  const random = new SeededRandom(options.seed);
  for (let i = 0; i < options.randomSchemas; i += 1) {
    const ctx: GenContext = { random, defined: new Map(), namespace: undefined, serial: 0 };
    const base = randomRecord(ctx, 3);
    add('random/self', base, base);
    const first = mutate(base, random);
    add(`random/${first.change}`, first.schema, base);
    add(`random/${first.change}/reversed`, base, first.schema);
    const second = mutate(first.schema, random);
    add('random/two-changes', second.schema, base);
    add('random/two-changes/reversed', base, second.schema);
  }
  fuzzPairs(new SeededRandom(options.seed + 1), options.fuzzRounds, add);
  return pairs;
}
