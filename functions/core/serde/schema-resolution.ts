/**
 * Avro 1.11 "Schema Resolution": can data written with one schema be read
 * with another? This file walks the two schemas; `resolution-rules.ts`
 * holds the rules it applies, and `compatibility.ts` is the public API that
 * validates the schemas and applies Glue's compatibility modes.
 *
 * Schemas are first turned into a graph of plain nodes in which every named
 * type reference points at its definition (`avro-node.ts`; `schema-parser.ts` builds it), so
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

import { branchName } from './avro-node.js';
import type { ArrayNode, AvroNode, EnumNode, FixedNode, MapNode, PrimitiveNode, RecordNode, UnionNode } from './avro-node.js';
import {
  ambiguousFieldMatch,
  enumSymbolMissing,
  fixedSizeMismatch,
  matches,
  nameMismatch,
  namesMatch,
  preferredBranch,
  readerFieldMissingDefault,
  typeMismatch,
  unionBranchUnreadable,
  unionNoMatchingBranch,
  walked,
  writerFieldsFor,
} from './resolution-rules.js';
import type { ResolutionIssue, ResolutionLabels } from './resolution-rules.js';

/** The first segment of every path: the unqualified name of a named type, else `$`. */
export function schemaRootPath(reader: AvroNode): string {
  return reader.kind === 'record' || reader.kind === 'enum' || reader.kind === 'fixed' ? reader.name : '$';
}

/**
 * Resolves `writer` with `reader` and returns every issue found (empty:
 * every value the writer can write, the reader can read).
 */
export function resolveSchemas(reader: AvroNode, writer: AvroNode, labels: ResolutionLabels): ResolutionIssue[] {
  return new ResolutionWalk(labels).run(reader, writer);
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

/** One resolution of a writer schema with a reader schema. */
class ResolutionWalk {
  // Pairs of named records being resolved on the current path: meeting one
  // again means a recursive type, which resolves if the rest of it does
  // (Avro Java assumes such a pair compatible too).
  private readonly inProgress = new Set<string>();
  // Pairs already resolved without an issue; skipping them keeps a type
  // referenced from many places from being walked once per path.
  private readonly clean = new Set<string>();
  /** Set where Avro Java's check stops with an error (a field matching two writer fields): the walk stops there too. */
  private stoppedBy: ResolutionIssue | undefined;

  public constructor(private readonly labels: ResolutionLabels) {}

  /** Nested types are walked with an explicit stack, so a deep schema cannot overflow the call stack. */
  public run(reader: AvroNode, writer: AvroNode): ResolutionIssue[] {
    const issues: ResolutionIssue[] = [];
    const stack: Step[] = [this.resolve({ reader, writer, path: schemaRootPath(reader), issues })];
    while (stack.length > 0) {
      const step = (stack[stack.length - 1] as Step).next();
      if (this.stoppedBy !== undefined) return [this.stoppedBy];
      if (step.done === true) stack.pop();
      else stack.push(this.resolve(step.value));
    }
    return issues;
  }

  private *resolve({ reader: r, writer: w, path, issues }: Nested): Step {
    if (w.kind === 'union') return yield* this.resolveWriterUnion(r, w, path, issues);
    if (r.kind === 'union') return yield* this.resolveReaderUnion(r, w, path, issues);
    switch (r.kind) {
      case 'primitive':
        return this.resolvePrimitive(r, w, path, issues);
      case 'array':
        return yield* this.resolveArray(r, w, path, issues);
      case 'map':
        return yield* this.resolveMap(r, w, path, issues);
      case 'fixed':
        return this.resolveFixed(r, w, path, issues);
      case 'enum':
        return this.resolveEnum(r, w, path, issues);
      case 'record':
        return yield* this.resolveRecord(r, w, path, issues);
    }
  }

  /** Every branch the writer may have written must be readable. */
  private *resolveWriterUnion(r: AvroNode, w: UnionNode, path: string, issues: ResolutionIssue[]): Step {
    for (const wBranch of w.branches) {
      const branchPath = `${path}<union:${branchName(w, wBranch)}>`;
      const unreadable = (): ResolutionIssue => unionBranchUnreadable(path, branchPath, r, wBranch, this.labels);
      if (r.kind === 'union') yield* this.readThroughUnion(r, wBranch, () => branchPath, issues, unreadable);
      else if (matches(r, wBranch)) yield { reader: r, writer: wBranch, path: branchPath, issues };
      else {
        issues.push(unreadable());
        // Only for what Java's check of the pair may throw; its issues are the unreadable branch's.
        if (walked(r, wBranch)) yield { reader: r, writer: wBranch, path: branchPath, issues: [] };
      }
    }
  }

  private *resolveReaderUnion(r: UnionNode, w: AvroNode, path: string, issues: ResolutionIssue[]): Step {
    yield* this.readThroughUnion(r, w, (branch) => `${path}<union:${branchName(r, branch)}>`, issues, () => unionNoMatchingBranch(path, r, w, this.labels));
  }

  /**
   * Resolves against a reader union as Avro Java does: its branches are
   * tried in union order and the first that reads the writer type without
   * an issue wins. When none does, the preferred branch's issues stand.
   */
  private *readThroughUnion(r: UnionNode, w: AvroNode, branchPathOf: (branch: AvroNode) => string, issues: ResolutionIssue[], unreadable: () => ResolutionIssue): Step {
    const preferred = preferredBranch(r, w);
    let preferredIssues: ResolutionIssue[] = [];
    for (const candidate of r.branches.filter((branch) => walked(branch, w))) {
      const tried: ResolutionIssue[] = [];
      yield { reader: candidate, writer: w, path: branchPathOf(candidate), issues: tried };
      if (tried.length === 0) return;
      if (candidate === preferred) preferredIssues = tried;
    }
    if (preferred === undefined) issues.push(unreadable());
    else issues.push(...preferredIssues);
  }

  private resolvePrimitive(r: PrimitiveNode, w: AvroNode, path: string, issues: ResolutionIssue[]): void {
    if (!matches(r, w)) issues.push(typeMismatch(path, r, w, this.labels));
  }

  private *resolveArray(r: ArrayNode, w: AvroNode, path: string, issues: ResolutionIssue[]): Step {
    if (w.kind !== 'array') issues.push(typeMismatch(path, r, w, this.labels));
    else yield { reader: r.items, writer: w.items, path: `${path}[]`, issues };
  }

  private *resolveMap(r: MapNode, w: AvroNode, path: string, issues: ResolutionIssue[]): Step {
    if (w.kind !== 'map') issues.push(typeMismatch(path, r, w, this.labels));
    else yield { reader: r.values, writer: w.values, path: `${path}{}`, issues };
  }

  private resolveFixed(r: FixedNode, w: AvroNode, path: string, issues: ResolutionIssue[]): void {
    if (w.kind !== 'fixed') issues.push(typeMismatch(path, r, w, this.labels));
    else if (!namesMatch(r, w)) issues.push(nameMismatch(path, r, w, this.labels));
    else if (r.size !== w.size) issues.push(fixedSizeMismatch(path, r, w, this.labels));
  }

  private resolveEnum(r: EnumNode, w: AvroNode, path: string, issues: ResolutionIssue[]): void {
    if (w.kind !== 'enum') issues.push(typeMismatch(path, r, w, this.labels));
    else if (!namesMatch(r, w)) issues.push(nameMismatch(path, r, w, this.labels));
    else {
      const missing = w.symbols.filter((symbol) => !r.symbols.includes(symbol));
      if (missing.length > 0 && !r.hasDefault) issues.push(enumSymbolMissing(path, r, missing, this.labels));
    }
  }

  private *resolveRecord(r: RecordNode, w: AvroNode, path: string, issues: ResolutionIssue[]): Step {
    if (w.kind !== 'record') issues.push(typeMismatch(path, r, w, this.labels));
    else if (namesMatch(r, w)) yield* this.resolveFields(r, w, path, issues);
    else {
      issues.push(nameMismatch(path, r, w, this.labels));
      // Java checks the fields too; only an error there can change its verdict.
      yield* this.resolveFields(r, w, path, []);
    }
  }

  private *resolveFields(r: RecordNode, w: RecordNode, path: string, issues: ResolutionIssue[]): Step {
    const pair = `${r.fullName}\u0000${w.fullName}`;
    if (this.inProgress.has(pair) || this.clean.has(pair)) return;
    this.inProgress.add(pair);
    const before = issues.length;
    for (const field of r.fields) {
      const fieldPath = `${path}.${field.name}`;
      const writerFields = writerFieldsFor(field, w);
      if (writerFields.length > 1) {
        this.stoppedBy = ambiguousFieldMatch(fieldPath, writerFields, this.labels);
        return;
      }
      const [writerField] = writerFields;
      if (writerField !== undefined) yield { reader: field.type, writer: writerField.type, path: fieldPath, issues };
      else if (!field.hasDefault) issues.push(readerFieldMissingDefault(fieldPath, this.labels));
    }
    this.inProgress.delete(pair);
    if (issues.length === before) this.clean.add(pair);
  }
}
