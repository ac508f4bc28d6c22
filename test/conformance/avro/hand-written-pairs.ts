/**
 * The hand-written families of the Avro corpus: the corners the registry is
 * known to be particular about (promotions, defaults, aliases, enums and
 * fixed, unions, names, logical types, deep nesting), each a reader/writer
 * pair of schemas.
 */
import { arr, EMPTY_R, enm, fixed, fld, holder, map, PRIMITIVES, raw, rec, type JsonObject, type SchemaJson } from './schema-json.js';

export type Case = readonly [family: string, reader: SchemaJson, writer: SchemaJson];

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

/** Every hand-written pair, family by family, in the order the corpus numbers them. */
export function handWrittenCases(): Case[] {
  return [...primitiveCases(), ...defaultCases(), ...aliasCases(), ...enumFixedCases(), ...unionCases(), ...nameCases(), ...logicalCases(), ...nestingCases()];
}
