/**
 * An Avro schema as a graph of plain nodes, in which every named type
 * reference points at its definition: `schema-parser.ts` builds it and
 * `schema-resolution.ts` walks it. Recursive types are cycles, not names to
 * look up.
 */

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

interface NameAttributes {
  /** Unqualified name, as used in paths and messages. */
  readonly name: string;
  readonly fullName: string;
  /** Full names, qualified with the type's namespace when written without one. */
  readonly aliases: readonly string[];
}
export interface FieldNode {
  readonly name: string;
  /** Distinct, in the order written. */
  readonly aliases: readonly string[];
  readonly type: AvroNode;
  readonly hasDefault: boolean;
}
export interface RecordNode extends NameAttributes {
  readonly kind: 'record';
  /** Filled after the record is registered, so that its fields can refer to it. */
  readonly fields: FieldNode[];
}
export interface EnumNode extends NameAttributes {
  readonly kind: 'enum';
  readonly symbols: readonly string[];
  /** Declares a default symbol, which reads the symbols it lacks. */
  readonly hasDefault: boolean;
}
export interface FixedNode extends NameAttributes {
  readonly kind: 'fixed';
  readonly size: number;
}
export interface PrimitiveNode { readonly kind: 'primitive'; readonly name: AvroPrimitive }
export interface ArrayNode { readonly kind: 'array'; readonly items: AvroNode }
export interface MapNode { readonly kind: 'map'; readonly values: AvroNode }
export interface UnionNode { readonly kind: 'union'; readonly branches: readonly AvroNode[] }
export type NamedNode = RecordNode | EnumNode | FixedNode;
export type AvroNode = PrimitiveNode | NamedNode | ArrayNode | MapNode | UnionNode;

export function isNamed(node: AvroNode): node is NamedNode {
  return node.kind === 'record' || node.kind === 'enum' || node.kind === 'fixed';
}

/**
 * The name a branch of `union` goes by in paths: `string`, `Address`,
 * `array`, or a named type's full name where another branch shares its
 * unqualified name.
 */
export function branchName(union: UnionNode, node: AvroNode): string {
  if (node.kind === 'array' || node.kind === 'map' || node.kind === 'union') return node.kind;
  if (node.kind === 'primitive') return node.name;
  const shared = union.branches.some((other) => other !== node && (other.kind === 'record' || other.kind === 'enum' || other.kind === 'fixed') && other.name === node.name);
  return shared ? node.fullName : node.name;
}

/** A short description for messages: `long`, `record 'Address'`, `fixed 'Hash' of 16 bytes`, `array of string`, `union [null, string]`. */
export function describeNode(node: AvroNode): string {
  // A chain of arrays and maps is as deep as the schema nests it, so it is followed in a loop rather than by recursion.
  let held = '';
  let inner = node;
  while (inner.kind === 'array' || inner.kind === 'map') {
    held += `${inner.kind} of `;
    inner = inner.kind === 'array' ? inner.items : inner.values;
  }
  switch (inner.kind) {
    case 'primitive':
      return `${held}${inner.name}`;
    case 'record':
    case 'enum':
      return `${held}${inner.kind} '${inner.name}'`;
    case 'fixed':
      return `${held}fixed '${inner.name}' of ${inner.size} bytes`;
    case 'union':
      return `${held}union [${inner.branches.map((branch) => branchName(inner, branch)).join(', ')}]`;
  }
}
