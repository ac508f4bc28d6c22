/**
 * What the decoder's documented contract says a value Avro Java decoded must
 * look like in JavaScript, written from the contract and the Avro
 * specification alone: nothing here comes from the decoder under test.
 *
 *   long (any logical type but timestamp-millis)  a number when |v| <= 2^53 - 1, else a bigint
 *   timestamp-millis                              a Date whose getTime() is the long; beyond a
 *                                                 Date's range (|ms| > 8.64e15) the record is refused
 *   int (date, time-millis too)                   a number
 *   float, double                                 the very same IEEE value (NaN, ±Infinity, -0 included)
 *   decimal (bytes or fixed)                      the exact decimal text of unscaled / 10^scale
 *   bytes, fixed                                  Buffers
 *   string, uuid, enum                            strings
 *   union                                         the branch's value, unwrapped
 */

/** Avro Java's decoding as GlueFrames.java renders it (see there). */
export type AvroJson = null | boolean | number | string | AvroJson[] | { readonly [key: string]: AvroJson };

export type AvroType =
  | { readonly kind: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes'; readonly logicalType?: string; readonly scale?: number }
  | { readonly kind: 'fixed'; readonly name: string; readonly size: number; readonly logicalType?: string; readonly scale?: number }
  | { readonly kind: 'enum'; readonly name: string; readonly symbols: readonly string[] }
  | { readonly kind: 'array'; readonly items: AvroType }
  | { readonly kind: 'map'; readonly values: AvroType }
  | { readonly kind: 'union'; readonly branches: readonly AvroType[] }
  | { readonly kind: 'record'; readonly name: string; readonly fields: readonly { readonly name: string; readonly type: AvroType }[] };

/** The largest magnitude of epoch milliseconds a JavaScript Date holds (ECMA-262, Time Values). */
export const DATE_LIMIT_MS = 8_640_000_000_000_000n;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string', 'bytes']);

/** Parses an Avro schema into the tree the checks walk, named types resolved as the specification says. */
export function parseAvroType(definition: string): AvroType {
  const named = new Map<string, AvroType>();
  const fullName = (name: string, namespace: string | undefined): string =>
    name.includes('.') || namespace === undefined || namespace === '' ? name : `${namespace}.${name}`;

  const resolve = (node: unknown, namespace: string | undefined): AvroType => {
    if (typeof node === 'string') {
      if (PRIMITIVES.has(node)) return { kind: node as 'null' };
      const found = named.get(fullName(node, namespace)) ?? named.get(node);
      if (found === undefined) throw new Error(`unknown type ${node}`);
      return found;
    }
    if (Array.isArray(node)) return { kind: 'union', branches: node.map((branch) => resolve(branch, namespace)) };
    const schema = node as Record<string, unknown>;
    const type = schema.type;
    const logicalType = typeof schema.logicalType === 'string' ? schema.logicalType : undefined;
    const scale = logicalType === 'decimal' ? (typeof schema.scale === 'number' ? schema.scale : 0) : undefined;
    const logical = { ...(logicalType === undefined ? {} : { logicalType }), ...(scale === undefined ? {} : { scale }) };
    if (typeof type === 'string' && PRIMITIVES.has(type)) return { kind: type as 'null', ...logical };
    if (typeof type !== 'string') return resolve(type, namespace);
    if (type === 'array') return { kind: 'array', items: resolve(schema.items, namespace) };
    if (type === 'map') return { kind: 'map', values: resolve(schema.values, namespace) };
    const name = fullName(String(schema.name), typeof schema.namespace === 'string' ? schema.namespace : namespace);
    const ownNamespace = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
    if (type === 'fixed') return register(named, name, { kind: 'fixed', name, size: Number(schema.size), ...logical });
    if (type === 'enum') return register(named, name, { kind: 'enum', name, symbols: schema.symbols as string[] });
    if (type === 'record' || type === 'error') {
      const fields: { name: string; type: AvroType }[] = [];
      // Registered before its fields so a field may name the record itself.
      register(named, name, { kind: 'record', name, fields });
      for (const field of schema.fields as { name: string; type: unknown }[]) fields.push({ name: field.name, type: resolve(field.type, ownNamespace) });
      return named.get(name) as AvroType;
    }
    return resolve(type, namespace);
  };
  return resolve(JSON.parse(definition), undefined);
}

function register(named: Map<string, AvroType>, name: string, type: AvroType): AvroType {
  named.set(name, type);
  return type;
}

/** The paths of the timestamp-millis values a Date cannot hold: the record must be refused for them. */
export function timestampsBeyondDates(type: AvroType, avro: AvroJson, path = ''): string[] {
  switch (type.kind) {
    case 'long': {
      if (type.logicalType !== 'timestamp-millis') return [];
      const millis = BigInt(avro as string);
      return millis > DATE_LIMIT_MS || millis < -DATE_LIMIT_MS ? [`${path || '(root)'} = ${millis}`] : [];
    }
    case 'array':
      return (avro as AvroJson[]).flatMap((item, i) => timestampsBeyondDates(type.items, item, `${path}[${i}]`));
    case 'map':
      return mapEntries(avro).flatMap(([key, value]) => timestampsBeyondDates(type.values, value, `${path}[${JSON.stringify(key)}]`));
    case 'union': {
      const { branch, value } = unionOf(avro);
      return timestampsBeyondDates(branchOf(type, branch), value, path);
    }
    case 'record':
      return type.fields.flatMap((field) => timestampsBeyondDates(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null, join(path, field.name)));
    default:
      return [];
  }
}

/** Counts and differences of one comparison. */
export interface Comparison {
  /** Leaf values compared (a null, number, string, bytes, enum symbol, ...). */
  values: number;
  readonly differences: string[];
}

/**
 * Compares what our decoder returned with what the contract makes of Avro
 * Java's value, strictly: a number where a bigint is due, a Date off by a
 * millisecond, a float widened to a nearby double or a Buffer where a string
 * is due are all differences.
 */
export function compareWithAvroJava(type: AvroType, avro: AvroJson, ours: unknown, path: string, comparison: Comparison): void {
  const differ = (expected: string): void => {
    comparison.differences.push(`${path || '(root)'}: Avro Java ${expected}, ours ${describeValue(ours)}`);
  };
  const leaf = (): void => {
    comparison.values += 1;
  };
  switch (type.kind) {
    case 'null':
      leaf();
      if (ours !== null) differ('null');
      return;
    case 'boolean':
      leaf();
      if (ours !== avro) differ(JSON.stringify(avro));
      return;
    case 'int':
      leaf();
      if (typeof ours !== 'number' || ours !== avro) differ(`${JSON.stringify(avro)} (int${type.logicalType === undefined ? '' : `, ${type.logicalType}`})`);
      return;
    case 'long': {
      leaf();
      const long = BigInt(avro as string);
      if (type.logicalType === 'timestamp-millis') {
        if (long > DATE_LIMIT_MS || long < -DATE_LIMIT_MS) {
          differ(`timestamp-millis ${long}, beyond a Date's range: no value, the record refused`);
          return;
        }
        if (!(ours instanceof Date) || ours.getTime() !== Number(long)) differ(`timestamp-millis ${long}, so a Date of ${new Date(Number(long)).toISOString()}`);
        return;
      }
      const expected = exactLong(long);
      if (typeof ours !== typeof expected || ours !== expected) {
        differ(`${long} (long${type.logicalType === undefined ? '' : `, ${type.logicalType}`}), so the ${typeof expected} ${String(expected)}${typeof expected === 'bigint' ? 'n' : ''}`);
      }
      return;
    }
    case 'float':
    case 'double': {
      leaf();
      const expected = ieeeValue(type.kind, avro as string);
      if (typeof ours !== 'number' || !Object.is(ours, expected)) differ(`${type.kind} ${numberText(expected)} (bits ${JSON.stringify(avro)})`);
      return;
    }
    case 'string':
    case 'enum':
      leaf();
      if (ours !== avro) differ(JSON.stringify(avro));
      return;
    case 'bytes':
    case 'fixed': {
      leaf();
      if (type.logicalType === 'decimal') {
        const expected = decimalText(avro as string, type.scale ?? 0);
        if (ours !== expected) differ(`decimal ${expected} (unscaled bytes ${JSON.stringify(avro)})`);
      } else if (!Buffer.isBuffer(ours) || ours.toString('hex') !== avro) {
        differ(`${type.kind} ${JSON.stringify(avro)}`);
      }
      return;
    }
    case 'array': {
      const items = avro as AvroJson[];
      if (!Array.isArray(ours) || ours.length !== items.length) {
        differ(`an array of ${items.length}`);
        return;
      }
      items.forEach((item, i) => compareWithAvroJava(type.items, item, ours[i], `${path}[${i}]`, comparison));
      return;
    }
    case 'map': {
      const entries = mapEntries(avro);
      const keys = entries.map(([key]) => key);
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), keys)) {
        differ(`a map with keys ${JSON.stringify(keys)}`);
        return;
      }
      for (const [key, value] of entries) compareWithAvroJava(type.values, value, ours[key], `${path}[${JSON.stringify(key)}]`, comparison);
      return;
    }
    case 'union': {
      const { branch, value } = unionOf(avro);
      compareWithAvroJava(branchOf(type, branch), value, ours, path, comparison);
      return;
    }
    case 'record': {
      const fields = avro as Record<string, AvroJson>;
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), type.fields.map((field) => field.name))) {
        differ(`a ${type.name} record with fields ${type.fields.map((field) => field.name).join(', ')}`);
        return;
      }
      for (const field of type.fields) compareWithAvroJava(field.type, fields[field.name] ?? null, ours[field.name], join(path, field.name), comparison);
      return;
    }
  }
}

/**
 * The value an application would hand our encoder for Avro Java's value,
 * in the representation the contract decodes to: exact longs, Dates,
 * decimal text, Buffers, unwrapped unions. Undefined where no such value
 * exists (a timestamp-millis beyond a Date's range).
 */
export function encoderInput(type: AvroType, avro: AvroJson): unknown {
  switch (type.kind) {
    case 'long': {
      const long = BigInt(avro as string);
      if (type.logicalType === 'timestamp-millis') return new Date(Number(long));
      return exactLong(long);
    }
    case 'float':
    case 'double':
      return ieeeValue(type.kind, avro as string);
    case 'bytes':
    case 'fixed':
      return type.logicalType === 'decimal' ? decimalText(avro as string, type.scale ?? 0) : Buffer.from(avro as string, 'hex');
    case 'array':
      return (avro as AvroJson[]).map((item) => encoderInput(type.items, item));
    case 'map':
      return Object.fromEntries(mapEntries(avro).map(([key, value]) => [key, encoderInput(type.values, value)]));
    case 'union': {
      const { branch, value } = unionOf(avro);
      return encoderInput(branchOf(type, branch), value);
    }
    case 'record':
      return Object.fromEntries(type.fields.map((field) => [field.name, encoderInput(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null)]));
    default:
      return avro;
  }
}

/** Whether every map in the value keeps its order as a JavaScript object: integer-like keys would be moved to the front. */
export function mapOrderSurvivesObjects(type: AvroType, avro: AvroJson): boolean {
  switch (type.kind) {
    case 'array':
      return (avro as AvroJson[]).every((item) => mapOrderSurvivesObjects(type.items, item));
    case 'map':
      return mapEntries(avro).every(([key, value]) => !/^(?:0|[1-9]\d*)$/.test(key) && mapOrderSurvivesObjects(type.values, value));
    case 'union': {
      const { branch, value } = unionOf(avro);
      return mapOrderSurvivesObjects(branchOf(type, branch), value);
    }
    case 'record':
      return type.fields.every((field) => mapOrderSurvivesObjects(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null));
    default:
      return true;
  }
}

/** The contract's exact long: a number while every integer around it is a distinct double, a bigint beyond. */
function exactLong(long: bigint): number | bigint {
  return long >= -MAX_EXACT && long <= MAX_EXACT ? Number(long) : long;
}

/** The IEEE value of a float's 32 or a double's 64 bits, as hex. */
function ieeeValue(kind: 'float' | 'double', bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  if (kind === 'float') {
    view.setUint32(0, Number.parseInt(bits, 16));
    return view.getFloat32(0);
  }
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

/** unscaled / 10^scale as exact text, the unscaled value being big-endian two's complement (Avro's decimal). */
export function decimalText(twosComplementHex: string, scale: number): string {
  if (twosComplementHex === '') return scale > 0 ? `0.${'0'.repeat(scale)}` : '0';
  const raw = BigInt(`0x${twosComplementHex}`);
  const bits = BigInt(twosComplementHex.length * 4);
  const unscaled = raw >= 1n << (bits - 1n) ? raw - (1n << bits) : raw;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return unscaled < 0n ? `-${text}` : text;
}

function mapEntries(avro: AvroJson): [string, AvroJson][] {
  return (avro as [string, AvroJson][]).map(([key, value]) => [key, value]);
}

function unionOf(avro: AvroJson): { branch: number; value: AvroJson } {
  const union = avro as { branch: number; value: AvroJson };
  return { branch: union.branch, value: union.value };
}

function branchOf(type: { readonly branches: readonly AvroType[] }, branch: number): AvroType {
  const chosen = type.branches[branch];
  if (chosen === undefined) throw new Error(`Avro Java names union branch ${branch} of ${type.branches.length}`);
  return chosen;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

function sameKeys(actual: readonly string[], expected: readonly string[]): boolean {
  return actual.length === expected.length && [...actual].sort().join('\u0000') === [...expected].sort().join('\u0000');
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function numberText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** A value as a failure message shows it, types visible: 12 and 12n and "12" differ. */
export function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return `the number ${numberText(value)}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : `a Date of ${value.toISOString()} (${value.getTime()} ms)`;
  if (Buffer.isBuffer(value)) return `a Buffer ${value.toString('hex')}`;
  if (typeof value === 'string') return JSON.stringify(value).slice(0, 120);
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return text === undefined ? typeof value : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
