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
 *   union a value tells apart                     the branch's value, unwrapped
 *   union a value cannot tell apart               wrapped as Avro's JSON encoding writes it,
 *                                                 { "<branch name>": value }, null staying null
 *   a logical type Avro Java ignores              the plain underlying type, as Avro Java reads it
 *
 * A value cannot tell two branches apart when both decode to the same kind
 * of JavaScript value (avsc's 'auto' wrapUnions): records and maps are
 * objects; int, long, float and double numbers; string, enum and decimal
 * strings; bytes and fixed Buffers. A timestamp-millis is a Date, so it
 * shares with no other branch. The branch name is a named type's full name
 * (`a.Thing`, never its short name, which two namespaces may share) and the
 * type's name otherwise (`int`, `double`, `map`, `bytes`, ...).
 *
 * Avro Java ignores a logical type on an underlying type it does not fit
 * (a decimal on a long, a timestamp-millis on an int) and one whose
 * attributes are invalid (a decimal without a precision, or with a scale
 * beyond it, or more digits than its fixed holds): the value reads as the
 * plain underlying type, and so must ours.
 */

/** Avro Java's decoding as GlueFrames.java renders it (see there). */
export type AvroJson = null | boolean | number | string | AvroJson[] | { readonly [key: string]: AvroJson };

/**
 * A schema node as the contract reads it. `logicalType` is set only where
 * Avro Java honors it; one it ignores is kept in `ignoredLogicalType`, for
 * failure messages alone.
 */
export type AvroType =
  | {
      readonly kind: 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'bytes';
      readonly logicalType?: string;
      readonly ignoredLogicalType?: string;
      readonly scale?: number;
    }
  | { readonly kind: 'fixed'; readonly name: string; readonly size: number; readonly logicalType?: string; readonly ignoredLogicalType?: string; readonly scale?: number }
  | { readonly kind: 'enum'; readonly name: string; readonly symbols: readonly string[] }
  | { readonly kind: 'array'; readonly items: AvroType }
  | { readonly kind: 'map'; readonly values: AvroType }
  /** `wrapped`: a value cannot tell the branches apart, so it decodes as `{ "<branch name>": value }`. */
  | { readonly kind: 'union'; readonly branches: readonly AvroType[]; readonly wrapped: boolean }
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
    if (Array.isArray(node)) {
      const branches = node.map((branch) => resolve(branch, namespace));
      return { kind: 'union', branches, wrapped: cannotTellApart(branches) };
    }
    const schema = node as Record<string, unknown>;
    const type = schema.type;
    const logical = (kind: string): { logicalType?: string; ignoredLogicalType?: string; scale?: number } => {
      const declared = schema.logicalType;
      if (typeof declared !== 'string') return {};
      if (!honoredByAvroJava(declared, kind, schema)) return { ignoredLogicalType: declared };
      return declared === 'decimal' ? { logicalType: declared, scale: typeof schema.scale === 'number' ? schema.scale : 0 } : { logicalType: declared };
    };
    if (typeof type === 'string' && PRIMITIVES.has(type)) return { kind: type as 'null', ...logical(type) };
    if (typeof type !== 'string') return resolve(type, namespace);
    if (type === 'array') return { kind: 'array', items: resolve(schema.items, namespace) };
    if (type === 'map') return { kind: 'map', values: resolve(schema.values, namespace) };
    const name = fullName(String(schema.name), typeof schema.namespace === 'string' ? schema.namespace : namespace);
    const ownNamespace = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
    if (type === 'fixed') return register(named, name, { kind: 'fixed', name, size: Number(schema.size), ...logical(type) });
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

/** The underlying type each logical type of Avro Java 1.11 fits; any other is unknown to it, so ignored. */
const LOGICAL_TYPE_UNDERLYING: Readonly<Record<string, readonly string[]>> = {
  decimal: ['bytes', 'fixed'],
  uuid: ['string'],
  date: ['int'],
  'time-millis': ['int'],
  'time-micros': ['long'],
  'timestamp-millis': ['long'],
  'timestamp-micros': ['long'],
  'local-timestamp-millis': ['long'],
  'local-timestamp-micros': ['long'],
};

/**
 * Whether Avro Java 1.11 gives the schema its logical type (LogicalTypes.fromSchemaIgnoreInvalid):
 * the type must fit the underlying type, and a decimal needs a precision
 * above 0, a scale from 0 to the precision, and on a fixed no more digits
 * than its bytes hold.
 */
function honoredByAvroJava(logicalType: string, kind: string, schema: Record<string, unknown>): boolean {
  if (!Object.hasOwn(LOGICAL_TYPE_UNDERLYING, logicalType) || !(LOGICAL_TYPE_UNDERLYING[logicalType] ?? []).includes(kind)) return false;
  if (logicalType !== 'decimal') return true;
  const { precision, scale = 0, size } = schema;
  if (typeof precision !== 'number' || typeof scale !== 'number' || !Number.isInteger(precision) || !Number.isInteger(scale)) return false;
  if (precision <= 0 || scale < 0 || scale > precision) return false;
  // Avro Java's own bound (Decimal.maxPrecision): the digits of the largest positive two's-complement value in `size` bytes.
  return kind !== 'fixed' || precision <= Math.floor(Math.log10(2 ** (8 * Number(size) - 1) - 1));
}

/**
 * The kind of JavaScript value a branch decodes to, by the contract: two
 * branches of one kind are what a value cannot tell apart.
 */
function valueKind(type: AvroType): string {
  switch (type.kind) {
    case 'record':
    case 'map':
      return 'object';
    case 'int':
    case 'float':
    case 'double':
      return 'number';
    case 'long':
      return type.logicalType === 'timestamp-millis' ? 'Date' : 'number';
    case 'enum':
      return 'string';
    case 'bytes':
    case 'fixed':
      return type.logicalType === 'decimal' ? 'string' : 'Buffer';
    default:
      return type.kind;
  }
}

function cannotTellApart(branches: readonly AvroType[]): boolean {
  return new Set(branches.map(valueKind)).size < branches.length;
}

/** The name Avro's JSON encoding wraps a union's value in: a named type's full name, else the type's name. */
export function branchName(type: AvroType): string {
  return type.kind === 'record' || type.kind === 'enum' || type.kind === 'fixed' ? type.name : type.kind;
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

/**
 * Every union of the schema, by where it is declared (`Record.field`, then
 * `[]` for an array's items, `{}` for a map's values, `<i>` for a union's
 * branch i), with its number of branches: what a run must take every
 * branch of, for each to meet the decoder.
 */
export function unionSites(type: AvroType): Map<string, number> {
  const sites = new Map<string, number>();
  const visited = new Set<string>();
  const walk = (node: AvroType, site: string): void => {
    switch (node.kind) {
      case 'array':
        walk(node.items, `${site}[]`);
        return;
      case 'map':
        walk(node.values, `${site}{}`);
        return;
      case 'union':
        sites.set(site, node.branches.length);
        node.branches.forEach((branch, i) => walk(branch, `${site}<${i}>`));
        return;
      case 'record':
        // Once per record, wherever it is used: a record may contain itself.
        if (visited.has(node.name)) return;
        visited.add(node.name);
        for (const field of node.fields) walk(field.type, `${node.name}.${field.name}`);
        return;
      default:
        return;
    }
  };
  walk(type, '(root)');
  return sites;
}

/** Adds to `taken` the branch each union of Avro Java's value took, by the sites `unionSites` names. */
export function recordBranchesTaken(type: AvroType, avro: AvroJson, taken: Map<string, Set<number>>, site = '(root)'): void {
  switch (type.kind) {
    case 'array':
      for (const item of avro as AvroJson[]) recordBranchesTaken(type.items, item, taken, `${site}[]`);
      return;
    case 'map':
      for (const [, value] of mapEntries(avro)) recordBranchesTaken(type.values, value, taken, `${site}{}`);
      return;
    case 'union': {
      const { branch, value } = unionOf(avro);
      const branches = taken.get(site) ?? new Set<number>();
      branches.add(branch);
      taken.set(site, branches);
      recordBranchesTaken(branchOf(type, branch), value, taken, `${site}<${branch}>`);
      return;
    }
    case 'record':
      for (const field of type.fields) recordBranchesTaken(field.type, (avro as Record<string, AvroJson>)[field.name] ?? null, taken, `${type.name}.${field.name}`);
      return;
    default:
      return;
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
      if (typeof ours !== 'number' || ours !== avro) differ(`${JSON.stringify(avro)} (${typeLabel(type)}), so the number ${JSON.stringify(avro)}`);
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
        differ(`${long} (${typeLabel(type)}), so the ${typeof expected} ${String(expected)}${typeof expected === 'bigint' ? 'n' : ''}`);
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
      const chosen = branchOf(type, branch);
      if (!type.wrapped || chosen.kind === 'null') {
        compareWithAvroJava(chosen, value, ours, path, comparison);
        return;
      }
      const name = branchName(chosen);
      if (!isPlainObject(ours) || !sameKeys(Object.keys(ours), [name])) {
        differ(`the ${name} branch of a union a value cannot tell apart, so { ${JSON.stringify(name)}: ... }`);
        return;
      }
      compareWithAvroJava(chosen, value, ours[name], `${path}<${name}>`, comparison);
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
 * decimal text, Buffers, unions unwrapped or wrapped as they decode.
 * Undefined where no such value exists (a timestamp-millis beyond a Date's
 * range).
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
      const chosen = branchOf(type, branch);
      const input = encoderInput(chosen, value);
      return type.wrapped && chosen.kind !== 'null' ? { [branchName(chosen)]: input } : input;
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

/** `long`, `long, timestamp-micros`, or `long, decimal ignored` for failure messages. */
function typeLabel(type: { readonly kind: string; readonly logicalType?: string; readonly ignoredLogicalType?: string }): string {
  if (type.logicalType !== undefined) return `${type.kind}, ${type.logicalType}`;
  return type.ignoredLogicalType === undefined ? type.kind : `${type.kind}, ${type.ignoredLogicalType} ignored as Avro Java does`;
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
