/**
 * Avro 1.11 "Schema Resolution": can data written with one schema be read
 * with another? This file holds the rules; `compatibility.ts` is the public
 * API that validates the schemas and applies Glue's compatibility modes.
 *
 * Schemas are first turned into a graph of plain nodes in which every named
 * type reference points at its definition (`schema-parser.ts` builds it), so
 * recursive types are cycles that the walk has to guard against, not
 * strings it has to look up. The verdict is Avro Java's
 * SchemaCompatibility.checkReaderWriterCompatibility, which Glue runs.
 *
 * Paths name where a problem is, in terms of the reader schema:
 * - the root is the reader's unqualified name when it is a named type, else `$`;
 * - `.field` steps into a record field (the reader's field name; nested
 *   record names are not repeated, so `OrderEvent.payload.total`);
 * - `[]` steps into array items, `{}` into map values;
 * - `<union:X>` steps into a union branch, once per union: X is the writer's
 *   branch when the writer is a union (the branch the data took), else the
 *   reader branch chosen to read it. X is the primitive or unqualified type
 *   name (the full name where two branches share it), or `array` / `map`.
 */

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
interface PrimitiveNode { readonly kind: 'primitive'; readonly name: AvroPrimitive }
interface ArrayNode { readonly kind: 'array'; readonly items: AvroNode }
interface MapNode { readonly kind: 'map'; readonly values: AvroNode }
interface UnionNode { readonly kind: 'union'; readonly branches: readonly AvroNode[] }
type NamedNode = RecordNode | EnumNode | FixedNode;
export type AvroNode = PrimitiveNode | NamedNode | ArrayNode | MapNode | UnionNode;

/** Writer primitive → reader primitives that can read it (besides itself). */
const PROMOTIONS: Readonly<Partial<Record<AvroPrimitive, readonly AvroPrimitive[]>>> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

/**
 * The name a branch of `union` goes by in paths: `string`, `Address`,
 * `array`, or a named type's full name where another branch shares its
 * unqualified name.
 */
function branchName(union: UnionNode, node: AvroNode): string {
  if (node.kind === 'array' || node.kind === 'map' || node.kind === 'union') return node.kind;
  if (node.kind === 'primitive') return node.name;
  const shared = union.branches.some((other) => other !== node && (other.kind === 'record' || other.kind === 'enum' || other.kind === 'fixed') && other.name === node.name);
  return shared ? node.fullName : node.name;
}

/** A short description for messages: `long`, `record 'Address'`, `array of string`. */
function describe(node: AvroNode): string {
  switch (node.kind) {
    case 'primitive':
      return node.name;
    case 'record':
    case 'enum':
      return `${node.kind} '${node.name}'`;
    case 'fixed':
      return `fixed '${node.name}' of ${node.size} bytes`;
    case 'array':
      return `array of ${describe(node.items)}`;
    case 'map':
      return `map of ${describe(node.values)}`;
    case 'union':
      return `union [${node.branches.map((branch) => branchName(node, branch)).join(', ')}]`;
  }
}

/** The first segment of every path: the unqualified name of a named type, else `$`. */
export function schemaRootPath(reader: AvroNode): string {
  return reader.kind === 'record' || reader.kind === 'enum' || reader.kind === 'fixed' ? reader.name : '$';
}

/** `Field 'A.b'` inside a record, `Schema 'A'` / `Schema '$[]'` outside one. */
function where(path: string): string {
  return path.includes('.') ? `Field '${path}'` : `Schema '${path}'`;
}

/**
 * Names match when the unqualified names are equal, or when a reader alias
 * is the writer's full name (as the Java implementation, which Glue runs, does).
 */
function namesMatch(reader: NameAttributes, writer: NameAttributes): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

/**
 * The spec's top-level "schemas match" test used to pick a reader union
 * branch: same primitive or a promotion, same named kind with a matching
 * name (and size, for fixed), or both arrays / both maps. Array items and
 * map values are then resolved like any other type, so a problem inside
 * them is reported where it is rather than as an unreadable branch.
 */
function matches(reader: AvroNode, writer: AvroNode): boolean {
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

function isNamed(node: AvroNode): node is NamedNode {
  return node.kind === 'record' || node.kind === 'enum' || node.kind === 'fixed';
}

/**
 * The reader union's branch whose issues are reported when no branch reads
 * a writer type: a named type of the same full name first, so that `a.X`
 * and `b.X` in one union each find their own, else the first that matches.
 */
function preferredBranch(reader: UnionNode, writer: AvroNode): AvroNode | undefined {
  const named = isNamed(writer) ? reader.branches.find((candidate) => isNamed(candidate) && candidate.fullName === writer.fullName && matches(candidate, writer)) : undefined;
  return named ?? reader.branches.find((candidate) => matches(candidate, writer));
}

/**
 * Whether Avro Java's check walks a reader type against a writer type
 * beyond their kinds: when they match, and also for two records whose names
 * do not, whose fields Java still checks (a field matching two writer fields
 * there stops its check with an error).
 */
function walked(reader: AvroNode, writer: AvroNode): boolean {
  return matches(reader, writer) || (reader.kind === 'record' && writer.kind === 'record');
}

/** Thrown from deep inside the walk to stop it, as Avro Java's check stops with an exception. */
class AmbiguousFieldMatch extends Error {
  public constructor(public readonly issue: ResolutionIssue) {
    super(issue.message);
  }
}

/**
 * A pair of types to resolve, with where to put its issues: a walk step
 * yields one for each nested pair and resumes when it has been resolved.
 */
interface Nested {
  readonly reader: AvroNode;
  readonly writer: AvroNode;
  readonly path: string;
  readonly issues: ResolutionIssue[];
}
type Step = Generator<Nested, void, void>;

/**
 * Resolves `writer` with `reader` and returns every issue found (empty:
 * every value the writer can write, the reader can read). Nested types are
 * walked with an explicit stack, so a deep schema cannot overflow the call stack.
 */
export function resolveSchemas(reader: AvroNode, writer: AvroNode, labels: ResolutionLabels): ResolutionIssue[] {
  const R = labels.reader;
  const W = labels.writer;
  // Pairs of named records being resolved on the current path: meeting one
  // again means a recursive type, which resolves if the rest of it does
  // (Avro Java assumes such a pair compatible too).
  const inProgress = new Set<string>();
  // Pairs already resolved without an issue; skipping them keeps a type
  // referenced from many places from being walked once per path.
  const clean = new Set<string>();

  /**
   * Resolves against a reader union as Avro Java does: its branches are
   * tried in union order and the first that reads the writer type without
   * an issue wins. When none does, the preferred branch's issues stand.
   */
  function* readThroughUnion(r: UnionNode, w: AvroNode, branchPathOf: (branch: AvroNode) => string, issues: ResolutionIssue[], unreadable: () => void): Step {
    const preferred = preferredBranch(r, w);
    let preferredIssues: ResolutionIssue[] = [];
    for (const candidate of r.branches.filter((branch) => walked(branch, w))) {
      const tried: ResolutionIssue[] = [];
      yield { reader: candidate, writer: w, path: branchPathOf(candidate), issues: tried };
      if (tried.length === 0) return;
      if (candidate === preferred) preferredIssues = tried;
    }
    if (preferred === undefined) unreadable();
    else issues.push(...preferredIssues);
  }

  function* resolveFields(r: RecordNode, w: RecordNode, path: string, issues: ResolutionIssue[]): Step {
    const pair = `${r.fullName}\u0000${w.fullName}`;
    if (inProgress.has(pair) || clean.has(pair)) return;
    inProgress.add(pair);
    const before = issues.length;
    for (const field of r.fields) {
      const fieldPath = `${path}.${field.name}`;
      // The field's own name and each of its aliases may name a writer field; more than one is an error in Avro Java.
      const writerFields = [field.name, ...field.aliases].map((name) => w.fields.find((candidate) => candidate.name === name)).filter((found) => found !== undefined);
      const [writerField] = writerFields;
      if (writerFields.length > 1) {
        throw new AmbiguousFieldMatch({
          rule: ResolutionRule.AMBIGUOUS_FIELD_MATCH,
          path: fieldPath,
          message: `Field '${fieldPath}' in ${R} matches the fields ${writerFields.map((found) => `'${found.name}'`).join(', ')} of ${W} by its name and aliases, and may match only one.`,
        });
      }
      if (writerField !== undefined) {
        yield { reader: field.type, writer: writerField.type, path: fieldPath, issues };
      } else if (!field.hasDefault) {
        issues.push({
          rule: ResolutionRule.READER_FIELD_MISSING_DEFAULT,
          path: fieldPath,
          message: `Field '${fieldPath}' is in ${R} without a default, and data written with ${W} does not have it.`,
        });
      }
    }
    inProgress.delete(pair);
    if (issues.length === before) clean.add(pair);
  }

  function* resolve(r: AvroNode, w: AvroNode, path: string, issues: ResolutionIssue[]): Step {
    const report = (rule: ResolutionRule, at: string, message: string): void => {
      issues.push({ rule, path: at, message });
    };
    if (w.kind === 'union') {
      // Every branch the writer may have written must be readable.
      for (const wBranch of w.branches) {
        const branchPath = `${path}<union:${branchName(w, wBranch)}>`;
        const unreadable = (): void =>
          report(ResolutionRule.UNION_BRANCH_UNREADABLE, branchPath, `${where(path)} can hold ${describe(wBranch)} in ${W}, and ${R} cannot read it as ${describe(r)}.`);
        if (r.kind === 'union') yield* readThroughUnion(r, wBranch, () => branchPath, issues, unreadable);
        else if (matches(r, wBranch)) yield { reader: r, writer: wBranch, path: branchPath, issues };
        else {
          unreadable();
          // Only for what Java's check of the pair may throw; its issues are the unreadable branch's.
          if (walked(r, wBranch)) yield { reader: r, writer: wBranch, path: branchPath, issues: [] };
        }
      }
      return;
    }
    if (r.kind === 'union') {
      yield* readThroughUnion(r, w, (branch) => `${path}<union:${branchName(r, branch)}>`, issues, () =>
        report(ResolutionRule.UNION_NO_MATCHING_BRANCH, path, `${where(path)} is ${describe(w)} in ${W}, and no branch of ${describe(r)} in ${R} can read it.`),
      );
      return;
    }

    // Neither is a union.
    const mismatch = (): void =>
      report(ResolutionRule.TYPE_MISMATCH, path, `${where(path)} is ${describe(r)} in ${R} but ${describe(w)} in ${W}, and ${describe(w)} cannot be read as ${describe(r)}.`);
    const nameMismatch = (rNamed: NamedNode, wNamed: NamedNode): void =>
      report(
        ResolutionRule.NAME_MISMATCH,
        path,
        `${where(path)} is ${describe(rNamed)} in ${R} but ${describe(wNamed)} in ${W}, and ${R} declares no alias '${wNamed.fullName}' on '${rNamed.fullName}'.`,
      );

    switch (r.kind) {
      case 'primitive':
        if (!matches(r, w)) mismatch();
        return;
      case 'array':
        if (w.kind !== 'array') mismatch();
        else yield { reader: r.items, writer: w.items, path: `${path}[]`, issues };
        return;
      case 'map':
        if (w.kind !== 'map') mismatch();
        else yield { reader: r.values, writer: w.values, path: `${path}{}`, issues };
        return;
      case 'fixed':
        if (w.kind !== 'fixed') mismatch();
        else if (!namesMatch(r, w)) nameMismatch(r, w);
        else if (r.size !== w.size) {
          report(ResolutionRule.FIXED_SIZE_MISMATCH, path, `${where(path)} is fixed '${r.name}' of ${r.size} bytes in ${R} but of ${w.size} bytes in ${W}.`);
        }
        return;
      case 'enum': {
        if (w.kind !== 'enum') return mismatch();
        if (!namesMatch(r, w)) return nameMismatch(r, w);
        const missing = w.symbols.filter((symbol) => !r.symbols.includes(symbol));
        if (missing.length > 0 && !r.hasDefault) {
          report(
            ResolutionRule.ENUM_SYMBOL_MISSING,
            path,
            `${where(path)} is enum '${r.name}' in ${R}, which lacks the symbol${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${W} can write and has no enum default.`,
          );
        }
        return;
      }
      case 'record':
        if (w.kind !== 'record') return mismatch();
        if (namesMatch(r, w)) {
          yield* resolveFields(r, w, path, issues);
        } else {
          nameMismatch(r, w);
          // Java checks the fields too; only an error there can change its verdict.
          yield* resolveFields(r, w, path, []);
        }
        return;
    }
  }

  const issues: ResolutionIssue[] = [];
  const stack: Step[] = [resolve(reader, writer, schemaRootPath(reader), issues)];
  try {
    while (stack.length > 0) {
      const step = (stack[stack.length - 1] as Step).next();
      if (step.done === true) stack.pop();
      else stack.push(resolve(step.value.reader, step.value.writer, step.value.path, step.value.issues));
    }
  } catch (error) {
    if (error instanceof AmbiguousFieldMatch) return [error.issue];
    throw error;
  }
  return issues;
}
