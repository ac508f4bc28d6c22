/**
 * Avro conformance: the project's compatibility checker against Apache Avro
 * Java 1.11.4 (Schema.Parser for validity, SchemaCompatibility for
 * compatibility), the Avro the Glue Schema Registry runs. Every pair of the
 * corpus is judged by both; they must agree on whether each schema is valid
 * and, when both are, on whether the reader can read the writer's data.
 * Avro Java's verdicts come from its own JVM and nothing else: the oracle
 * never sees the checker's answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { canRead } from '../../../functions/core/serde/compatibility.js';
import { InvalidSchemaError, UnsupportedSchemaError } from '../../../functions/core/serde/errors.js';
import { recordConformance } from '../harness/report.js';
import { judgeWithAvroJava } from './avro-java-judge.js';
import type { AvroJavaVerdict } from './avro-java-judge.js';
import { generateSchemaPairs } from './schema-pairs.js';
import type { SchemaPair } from './schema-pairs.js';

const CORPUS = { seed: 20261207, randomSchemas: 700, fuzzRounds: 800 } as const;

/** One schema's validity as the checker sees it; `crashed` when it threw something other than InvalidSchemaError. */
type CheckerValidity = { readonly valid: true } | { readonly valid: false; readonly error: string } | { readonly valid: 'crashed'; readonly error: string };

interface CheckerVerdict {
  readonly reader: CheckerValidity;
  readonly writer: CheckerValidity;
  /** Set when both schemas are valid: compatible, or the issues / the error that stopped the check. */
  readonly compatible?: boolean | 'crashed';
  readonly detail?: string;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const validityCache = new Map<string, CheckerValidity>();

/** Whether the checker takes a schema: it is valid when canRead accepts it as both reader and writer. */
function checkerValidity(schema: string): CheckerValidity {
  const cached = validityCache.get(schema);
  if (cached !== undefined) return cached;
  let validity: CheckerValidity;
  try {
    canRead(schema, schema);
    validity = { valid: true };
  } catch (error) {
    validity = error instanceof InvalidSchemaError ? { valid: false, error: error.message } : { valid: 'crashed', error: errorText(error) };
  }
  validityCache.set(schema, validity);
  return validity;
}

function judgeWithChecker(pair: SchemaPair): CheckerVerdict {
  const reader = checkerValidity(pair.reader);
  const writer = checkerValidity(pair.writer);
  if (reader.valid !== true || writer.valid !== true) return { reader, writer };
  try {
    const issues = canRead(pair.reader, pair.writer);
    return { reader, writer, compatible: issues.length === 0, detail: issues.map((issue) => `${issue.rule} at ${issue.path}: ${issue.message}`).join('; ') };
  } catch (error) {
    return { reader, writer, compatible: 'crashed', detail: errorText(error) };
  }
}

/** How one pair's verdicts differ, or undefined when they agree. */
interface Disagreement {
  readonly pair: SchemaPair;
  /** The class it falls in: what differs, each side's answer, and why the side that refused did. */
  readonly kind: string;
  readonly checker: string;
  readonly avro: string;
}

/** Drops names and numbers from a message, so messages that differ only in them fall in one class. */
function messageShape(message: string): string {
  return message
    .replace(/^The (reader|writer) schema is not (valid JSON|a valid Avro schema): /, '')
    .replace(/ at \S+?:/g, ' at …:')
    .replace(/\bfield \S+?:/g, 'field …:')
    .replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '…')
    .replace(/\{.*\}|\[.*\]/g, '…')
    .replace(/\d+/g, 'N')
    .slice(0, 110);
}

function compareValidity(side: 'reader' | 'writer', pair: SchemaPair, checker: CheckerValidity, avro: AvroJavaVerdict): Disagreement | undefined {
  const java = avro[side];
  if (checker.valid === java.valid) return undefined;
  const checkerAnswer = checker.valid === true ? 'valid' : checker.valid === false ? `invalid (${checker.error})` : `crashed (${checker.error})`;
  const avroAnswer = java.valid ? 'valid' : `invalid (${java.error ?? '?'})`;
  const reason = checker.valid === true ? (java.error ?? '') : checker.error;
  return {
    pair,
    kind: `${side} validity: checker ${checker.valid === true ? 'valid' : checker.valid === false ? 'invalid' : 'crashed'}, Avro ${java.valid ? 'valid' : 'invalid'} - ${messageShape(reason)}`,
    checker: checkerAnswer,
    avro: avroAnswer,
  };
}

function compare(pair: SchemaPair, checker: CheckerVerdict, avro: AvroJavaVerdict): Disagreement | undefined {
  const validity = compareValidity('reader', pair, checker.reader, avro) ?? compareValidity('writer', pair, checker.writer, avro);
  if (validity !== undefined || checker.compatible === undefined || avro.compatibility === undefined) return validity;
  const avroCompatible = avro.compatibility === 'COMPATIBLE';
  if (checker.compatible === avroCompatible) return undefined;
  const avroDetail = avro.compatibility === 'ERROR' ? `ERROR ${avro.error ?? ''}` : (avro.incompatibilities ?? []).map((i) => `${i.type} at ${i.location}: ${i.message}`).join('; ');
  const checkerWord = checker.compatible === 'crashed' ? 'crashed' : checker.compatible ? 'compatible' : 'incompatible';
  const reason = checker.compatible === true ? avroDetail : (checker.detail ?? '');
  return {
    pair,
    kind: `compatibility: checker ${checkerWord}, Avro ${avro.compatibility} - ${messageShape(reason)}`,
    checker: `${checkerWord}${checker.detail ? ` (${checker.detail})` : ''}`,
    avro: `${avro.compatibility}${avroDetail ? ` (${avroDetail})` : ''}`,
  };
}

/**
 * Differences accepted on purpose: each names the pairs it covers, says why,
 * is documented in the README, and is tested below to still be a difference
 * (so an entry cannot outlive the behaviour it excuses). Empty: the checker
 * is meant to agree with Avro Java on every pair.
 */
interface DeliberateDifference {
  readonly name: string;
  readonly why: string;
  readonly covers: (difference: Disagreement) => boolean;
}
const DELIBERATE_DIFFERENCES: readonly DeliberateDifference[] = [];

function truncate(text: string, length = 400): string {
  return text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;
}

describe('Avro conformance: the compatibility checker against Avro Java 1.11.4', () => {
  const pairs = generateSchemaPairs(CORPUS);
  let avroVerdicts: Map<string, AvroJavaVerdict>;
  const disagreements: Disagreement[] = [];

  beforeAll(async () => {
    avroVerdicts = await judgeWithAvroJava(pairs, (line) => console.log(line));
    for (const pair of pairs) {
      const avro = avroVerdicts.get(pair.id);
      if (avro === undefined) throw new Error(`no Avro verdict for ${pair.id}`);
      const difference = compare(pair, judgeWithChecker(pair), avro);
      if (difference !== undefined) disagreements.push(difference);
    }
  });

  it('covers the families the brief asks for, in a few thousand pairs', () => {
    expect(pairs.length).toBeGreaterThan(2000);
    const families = new Set(pairs.map((pair) => pair.family.split('/')[0]));
    for (const family of ['primitive', 'default', 'enum-default', 'alias', 'enum', 'fixed', 'union', 'name', 'logical', 'nesting', 'random', 'fuzz']) expect(families).toContain(family);
    // Avro Java must have found both answers, or the corpus does not test much.
    const verdicts = [...avroVerdicts.values()];
    expect(verdicts.filter((v) => v.compatibility === 'COMPATIBLE').length).toBeGreaterThan(300);
    expect(verdicts.filter((v) => v.compatibility === 'INCOMPATIBLE').length).toBeGreaterThan(300);
    expect(verdicts.filter((v) => !v.reader.valid || !v.writer.valid).length).toBeGreaterThan(50);
  });

  it('agrees with Avro Java on every pair, apart from documented deliberate differences', () => {
    const unexplained = disagreements.filter((difference) => !DELIBERATE_DIFFERENCES.some((deliberate) => deliberate.covers(difference)));
    const agree = pairs.length - unexplained.length;
    recordConformance('avro', { line: `avro conformance: ${pairs.length} pairs, ${agree} agree`, passed: unexplained.length === 0 });

    const classes = new Map<string, Disagreement[]>();
    for (const difference of unexplained) classes.set(difference.kind, [...(classes.get(difference.kind) ?? []), difference]);
    const report = [...classes.entries()]
      .sort(([, a], [, b]) => b.length - a.length)
      .map(([kind, members]) => {
        // The smallest pair of the class is the easiest one to read.
        const example = members.reduce((smallest, d) => (d.pair.reader.length + d.pair.writer.length < smallest.pair.reader.length + smallest.pair.writer.length ? d : smallest));
        return [
          `${members.length} × ${kind}`,
          `    e.g. ${example.pair.id}`,
          `    reader: ${truncate(example.pair.reader)}`,
          `    writer: ${truncate(example.pair.writer)}`,
          `    checker: ${truncate(example.checker)}`,
          `    Avro:    ${truncate(example.avro)}`,
        ].join('\n');
      });
    expect(unexplained.length, `${unexplained.length} of ${pairs.length} pairs disagree, in ${classes.size} classes:\n${report.join('\n')}\n`).toBe(0);
  });

  it('decodes with every schema Avro Java accepts, and refuses every one it refuses, save what avsc cannot hold', () => {
    const schemas = new Map<string, boolean>();
    for (const pair of pairs) {
      const avro = avroVerdicts.get(pair.id) as AvroJavaVerdict;
      schemas.set(pair.reader, avro.reader.valid);
      schemas.set(pair.writer, avro.writer.valid);
    }
    const wrong: string[] = [];
    let unsupported = 0;
    for (const [schema, valid] of schemas) {
      // 'compiled', 'unsupported', or the error the decoder refused the schema with.
      let outcome: string;
      try {
        parseAvroSchema(schema);
        outcome = 'compiled';
      } catch (error) {
        outcome = error instanceof UnsupportedSchemaError ? 'unsupported' : errorText(error);
      }
      if (outcome === 'unsupported') unsupported += valid ? 1 : 0;
      else if ((outcome === 'compiled') !== valid) wrong.push(`Avro ${valid ? 'valid' : 'invalid'}, decoder ${outcome}: ${truncate(schema, 200)}`);
    }
    console.log(`avro conformance: the decoder compiles ${schemas.size - unsupported - wrong.length} of ${schemas.size} distinct schemas as Avro Java judges them; ${unsupported} valid ones are refused as UnsupportedSchemaError (an enum without symbols, nesting deeper than avsc's stack)`);
    expect(wrong.slice(0, 20), `${wrong.length} of ${schemas.size} schemas judged otherwise by the decoder`).toEqual([]);
  });

  for (const deliberate of DELIBERATE_DIFFERENCES) {
    it(`still differs deliberately: ${deliberate.name}`, () => {
      expect(disagreements.some((difference) => deliberate.covers(difference)), `${deliberate.name} no longer differs (${deliberate.why}); drop it from the list and the README`).toBe(true);
    });
  }
});
