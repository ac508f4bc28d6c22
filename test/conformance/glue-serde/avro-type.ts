/**
 * The writer schema as the decoder contract (avro-contract.ts) reads it:
 * named types resolved as the Avro specification says, a logical type kept
 * only where Avro Java honors it, and each union marked as one a value can
 * or cannot tell the branches of apart.
 */

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
