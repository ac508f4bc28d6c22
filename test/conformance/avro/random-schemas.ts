/**
 * Random schemas for the Avro corpus: records of random fields, named types
 * that reuse short names across namespaces and refer to each other, and
 * defaults that are mostly valid and sometimes on the edges Avro Java and JS
 * read differently. Every choice comes from the seeded random given.
 */
import { arr, enm, fixed, fld, map, nameOf, PRIMITIVES, raw, RawJsonNumber, rec, type JsonObject, type SchemaJson } from './schema-json.js';
import type { SeededRandom } from './seeded-random.js';

const NAMESPACES = [undefined, undefined, 'a', 'b', 'a.b'] as const;
const SHORT_NAMES = ['R', 'S', 'T', 'X'] as const;
const FIELD_NAMES = ['a', 'b', 'c', 'd', 'e'] as const;
const SYMBOLS = ['A', 'B', 'C', 'D'] as const;

export interface GenContext {
  readonly random: SeededRandom;
  /** Named types defined so far, by full name: references may point at them and defaults need their shape. */
  readonly defined: Map<string, JsonObject>;
  namespace: string | undefined;
  serial: number;
}

/** A context for one schema: nothing defined yet, in no namespace. */
export function newGenContext(random: SeededRandom): GenContext {
  return { random, defined: new Map(), namespace: undefined, serial: 0 };
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

export function randomType(ctx: GenContext, depth: number): SchemaJson {
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

export function randomRecord(ctx: GenContext, depth: number): JsonObject {
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
