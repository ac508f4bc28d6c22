// Shared by the compatibility checker's tests: schema builders, the table of
// schema pairs each family of rules fills, and the checks every pair goes
// through (the verdict of each mode, and avsc's resolver as an oracle).
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { canRead, checkCompatibility, CompatibilityMode, CompatibilityRule } from '../../../functions/core/serde/compatibility.js';
import type {
  AvroSchemaInput,
  CompatibilityDirection,
  CompatibilityViolation,
} from '../../../functions/core/serde/compatibility.js';

// --- schema builders --------------------------------------------------------

export type Json = Record<string, unknown>;

export function record(name: string, fields: readonly Json[], extra: Json = {}): Json {
  return { type: 'record', name, ...extra, fields };
}

export function field(name: string, type: unknown, extra: Json = {}): Json {
  return { name, type, ...extra };
}

/** `Order { id: string, ...fields }`, the usual shape of a table row. */
export function order(...fields: readonly Json[]): Json {
  return record('Order', [field('id', 'string'), ...fields]);
}

export function statusEnum(symbols: readonly string[], extra: Json = {}): Json {
  return { type: 'enum', name: 'Status', symbols, ...extra };
}

export function linkedList(...extraFields: readonly Json[]): Json {
  return record('Node', [field('value', 'int'), ...extraFields, field('next', ['null', 'Node'], { default: null })]);
}

// --- the table of pairs -----------------------------------------------------

/** An expected issue: rule and path. */
type Expected = readonly [CompatibilityRule, string];

export interface PairCase {
  /** Reads after "when": the change from the old schema to the new one. */
  readonly change: string;
  readonly old: AvroSchemaInput;
  readonly new: AvroSchemaInput;
  /** Issues of canRead(new, old): the new schema reading old data. */
  readonly backward: readonly Expected[];
  /** Issues of canRead(old, new): the old schema reading new data. */
  readonly forward: readonly Expected[];
  /** The verdict of every mode, with the old schema as version 1. */
  readonly modes: Readonly<Record<CompatibilityMode, boolean>>;
  /** Set when avsc's resolver is known to judge this pair differently from the spec. */
  readonly avscDiffers?: string;
}

export const Y = true;
export const N = false;
export const R = CompatibilityRule;

export const MODES = Object.values(CompatibilityMode);

/** The directions each mode checks, against version 1 when there is one prior version. */
const DIRECTIONS: Readonly<Record<CompatibilityMode, readonly CompatibilityDirection[]>> = {
  NONE: [],
  DISABLED: ['versioning'],
  BACKWARD: ['new-reads-prior'],
  BACKWARD_ALL: ['new-reads-prior'],
  FORWARD: ['prior-reads-new'],
  FORWARD_ALL: ['prior-reads-new'],
  FULL: ['new-reads-prior', 'prior-reads-new'],
  FULL_ALL: ['new-reads-prior', 'prior-reads-new'],
};

function rootName(schema: AvroSchemaInput): string {
  return typeof schema === 'object' && 'name' in schema && typeof schema.name === 'string' ? schema.name : '$';
}

function expectedViolations(pair: PairCase, mode: CompatibilityMode): Array<[CompatibilityDirection, string, string]> {
  return DIRECTIONS[mode].flatMap((direction) => {
    if (direction === 'versioning') return [[direction, R.VERSIONING_DISABLED, rootName(pair.new)]];
    const issues = direction === 'new-reads-prior' ? pair.backward : pair.forward;
    return issues.map(([rule, path]): [CompatibilityDirection, string, string] => [direction, rule, path]);
  });
}

export function summary(violations: readonly CompatibilityViolation[]): Array<[CompatibilityDirection, string, string]> {
  return violations.map((violation) => [violation.direction, violation.rule, violation.path]);
}

// --- avsc as an oracle ------------------------------------------------------

type AvscSchema = Parameters<typeof avro.Type.forSchema>[0];

/** Whether avsc can build a resolver reading `writer` data with `reader` (it throws when not). */
export function avscResolves(reader: AvroSchemaInput, writer: AvroSchemaInput): boolean {
  const toType = (schema: AvroSchemaInput): avro.Type =>
    avro.Type.forSchema((typeof schema === 'string' && schema.startsWith('"') ? JSON.parse(schema) : schema) as AvscSchema);
  try {
    toType(reader).createResolver(toType(writer));
    return true;
  } catch {
    return false;
  }
}

// --- the checks every pair goes through -------------------------------------

/**
 * Each pair against one prior version under every mode, then canRead against
 * avsc's resolver both ways; a pair avsc is known to judge differently is
 * checked against the spec, and that avsc still differs.
 */
export function describePairs(pairs: readonly PairCase[]): void {
  describe('checkCompatibility against one prior version', () => {
    describe.each(MODES)('under %s', (mode) => {
      const cases = pairs.map((pair) => [`${pair.modes[mode] ? 'accepts' : 'rejects'} the new schema when ${pair.change}`, pair] as const);

      it.each(cases)('%s', (_title, pair) => {
        const verdict = checkCompatibility(mode, pair.new, [pair.old]);

        expect(verdict.mode).toBe(mode);
        expect(verdict.compatible).toBe(pair.modes[mode]);
        expect(summary(verdict.violations)).toEqual(expectedViolations(pair, mode));
        for (const violation of verdict.violations) expect(violation.againstVersion).toBe(1);
      });
    });
  });

  describe('canRead agrees with avsc', () => {
    const agreeing = pairs.filter((pair) => pair.avscDiffers === undefined).map((pair) => [pair.change, pair] as const);
    const differing = pairs.filter((pair) => pair.avscDiffers !== undefined).map((pair) => [pair.change, pair] as const);

    it.each(agreeing)("accepts exactly what avsc's resolver accepts when %s", (_change, pair) => {
      expect(canRead(pair.new, pair.old).length === 0).toBe(avscResolves(pair.new, pair.old));
      expect(canRead(pair.old, pair.new).length === 0).toBe(avscResolves(pair.old, pair.new));
    });

    // Cases excluded above, kept here so the difference stays visible and checked.
    if (differing.length > 0) {
      it.each(differing)('rejects what avsc rejects, against the spec, when %s', (_change, pair) => {
        expect(canRead(pair.new, pair.old)).toEqual([]);
        expect(avscResolves(pair.new, pair.old)).toBe(false);
      });
    }
  });
}
