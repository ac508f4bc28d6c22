/**
 * The rules of Avro 1.11 "Schema Resolution" as Avro Java's
 * SchemaCompatibility applies them, which Glue runs: which types match,
 * and, for each rule a pair of types can break, the issue that says so.
 * `schema-resolution.ts` walks two schemas and applies them.
 */
import { describeNode as describe, isNamed } from './avro-node.js';
import type { AvroNode, AvroPrimitive, EnumNode, FieldNode, FixedNode, NamedNode, RecordNode, UnionNode } from './avro-node.js';

/** What went wrong when resolving a writer schema with a reader schema. */
export const ResolutionRule = {
  /** Different kinds of type, or primitives with no promotion between them. */
  TYPE_MISMATCH: 'TYPE_MISMATCH',
  /** Records, enums or fixed types whose names differ and no reader alias bridges them. */
  NAME_MISMATCH: 'NAME_MISMATCH',
  /** A reader field the writer does not have, with no default to fill it. */
  READER_FIELD_MISSING_DEFAULT: 'READER_FIELD_MISSING_DEFAULT',
  /** The writer can write an enum symbol the reader lacks, and the reader has no enum default. */
  ENUM_SYMBOL_MISSING: 'ENUM_SYMBOL_MISSING',
  /** Fixed types with the same name but a different size. */
  FIXED_SIZE_MISMATCH: 'FIXED_SIZE_MISMATCH',
  /** A branch of the writer's union that the reader cannot read. */
  UNION_BRANCH_UNREADABLE: 'UNION_BRANCH_UNREADABLE',
  /** The reader is a union and none of its branches can read the writer's type. */
  UNION_NO_MATCHING_BRANCH: 'UNION_NO_MATCHING_BRANCH',
  /**
   * A reader field matches more than one writer field by its name and its
   * aliases. Avro Java stops the whole check with an error here, so this is
   * the only issue reported when it happens.
   */
  AMBIGUOUS_FIELD_MATCH: 'AMBIGUOUS_FIELD_MATCH',
} as const;
export type ResolutionRule = (typeof ResolutionRule)[keyof typeof ResolutionRule];

export interface ResolutionIssue {
  readonly rule: ResolutionRule;
  readonly path: string;
  readonly message: string;
}

/** How messages refer to the two schemas, e.g. "the new schema" and "version 2". */
export interface ResolutionLabels {
  readonly reader: string;
  readonly writer: string;
}

/** Writer primitive → reader primitives that can read it (besides itself). */
const PROMOTIONS: Readonly<Partial<Record<AvroPrimitive, readonly AvroPrimitive[]>>> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

// --- which types match -------------------------------------------------------

/**
 * Names match when the unqualified names are equal, or when a reader alias
 * is the writer's full name (as the Java implementation, which Glue runs, does).
 */
export function namesMatch(reader: NamedNode, writer: NamedNode): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

/**
 * The spec's top-level "schemas match" test used to pick a reader union
 * branch: same primitive or a promotion, same named kind with a matching
 * name (and size, for fixed), or both arrays / both maps. Array items and
 * map values are then resolved like any other type, so a problem inside
 * them is reported where it is rather than as an unreadable branch.
 */
export function matches(reader: AvroNode, writer: AvroNode): boolean {
  switch (reader.kind) {
    case 'primitive':
      return writer.kind === 'primitive' && (writer.name === reader.name || (PROMOTIONS[writer.name]?.includes(reader.name) ?? false));
    case 'record':
    case 'enum':
      return writer.kind === reader.kind && namesMatch(reader, writer);
    case 'fixed':
      return writer.kind === 'fixed' && namesMatch(reader, writer) && writer.size === reader.size;
    case 'array':
    case 'map':
      return writer.kind === reader.kind;
    case 'union':
      return false;
  }
}

/**
 * The reader union's branch whose issues are reported when no branch reads
 * a writer type: a named type of the same full name first, so that `a.X`
 * and `b.X` in one union each find their own, else the first that matches.
 */
export function preferredBranch(reader: UnionNode, writer: AvroNode): AvroNode | undefined {
  const named = isNamed(writer) ? reader.branches.find((candidate) => isNamed(candidate) && candidate.fullName === writer.fullName && matches(candidate, writer)) : undefined;
  return named ?? reader.branches.find((candidate) => matches(candidate, writer));
}

/**
 * Whether Avro Java's check walks a reader type against a writer type
 * beyond their kinds: when they match, and also for two records whose names
 * do not, whose fields Java still checks (a field matching two writer fields
 * there stops its check with an error).
 */
export function walked(reader: AvroNode, writer: AvroNode): boolean {
  return matches(reader, writer) || (reader.kind === 'record' && writer.kind === 'record');
}

/** The writer fields a reader field names: its own name and each of its aliases may name one; more than one is an error in Avro Java. */
export function writerFieldsFor(field: FieldNode, writer: RecordNode): FieldNode[] {
  return [field.name, ...field.aliases].map((name) => writer.fields.find((candidate) => candidate.name === name)).filter((found) => found !== undefined);
}

// --- the issue of each rule --------------------------------------------------

/** `Field 'A.b'` inside a record, `Schema 'A'` / `Schema '$[]'` outside one. */
function where(path: string): string {
  return path.includes('.') ? `Field '${path}'` : `Schema '${path}'`;
}

export function typeMismatch(path: string, reader: AvroNode, writer: AvroNode, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.TYPE_MISMATCH,
    path,
    message: `${where(path)} is ${describe(reader)} in ${R} but ${describe(writer)} in ${W}, and ${describe(writer)} cannot be read as ${describe(reader)}.`,
  };
}

export function nameMismatch(path: string, reader: NamedNode, writer: NamedNode, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.NAME_MISMATCH,
    path,
    message: `${where(path)} is ${describe(reader)} in ${R} but ${describe(writer)} in ${W}, and ${R} declares no alias '${writer.fullName}' on '${reader.fullName}'.`,
  };
}

export function fixedSizeMismatch(path: string, reader: FixedNode, writer: FixedNode, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.FIXED_SIZE_MISMATCH,
    path,
    message: `${where(path)} is fixed '${reader.name}' of ${reader.size} bytes in ${R} but of ${writer.size} bytes in ${W}.`,
  };
}

export function enumSymbolMissing(path: string, reader: EnumNode, missing: readonly string[], { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.ENUM_SYMBOL_MISSING,
    path,
    message: `${where(path)} is enum '${reader.name}' in ${R}, which lacks the symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${W} can write and has no enum default.`,
  };
}

export function readerFieldMissingDefault(fieldPath: string, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.READER_FIELD_MISSING_DEFAULT,
    path: fieldPath,
    message: `Field '${fieldPath}' is in ${R} without a default, and data written with ${W} does not have it.`,
  };
}

export function ambiguousFieldMatch(fieldPath: string, writerFields: readonly FieldNode[], { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.AMBIGUOUS_FIELD_MATCH,
    path: fieldPath,
    message: `Field '${fieldPath}' in ${R} matches the fields ${writerFields.map((found) => `'${found.name}'`).join(', ')} of ${W} by its name and aliases, and may match only one.`,
  };
}

/** A branch of the writer's union at `path` (reached by `branchPath`) that the reader cannot read. */
export function unionBranchUnreadable(path: string, branchPath: string, reader: AvroNode, writerBranch: AvroNode, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.UNION_BRANCH_UNREADABLE,
    path: branchPath,
    message: `${where(path)} can hold ${describe(writerBranch)} in ${W}, and ${R} cannot read it as ${describe(reader)}.`,
  };
}

export function unionNoMatchingBranch(path: string, reader: UnionNode, writer: AvroNode, { reader: R, writer: W }: ResolutionLabels): ResolutionIssue {
  return {
    rule: ResolutionRule.UNION_NO_MATCHING_BRANCH,
    path,
    message: `${where(path)} is ${describe(writer)} in ${W}, and no branch of ${describe(reader)} in ${R} can read it.`,
  };
}
