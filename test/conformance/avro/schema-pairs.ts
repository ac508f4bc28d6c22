/**
 * The Avro conformance corpus: reader/writer schema pairs, as schema texts,
 * for the project's checker and Avro Java to judge. Hand-written families
 * cover the corners the registry is known to be particular about; a seeded
 * generator adds random schemas and the changes people make to them, read
 * in both directions. The same seed always gives the same corpus.
 */
import { handWrittenCases } from './hand-written-pairs.js';
import { newGenContext, randomRecord } from './random-schemas.js';
import { fuzzPairs } from './schema-fuzz.js';
import { toJsonText, type SchemaJson } from './schema-json.js';
import { mutate } from './schema-mutations.js';
import { SeededRandom } from './seeded-random.js';

export interface SchemaPair {
  /** Unique in the corpus: `<family>#<n>`. */
  readonly id: string;
  /** What the pair exercises, e.g. `default/double-NaN` or `random/add-field`; disagreements are grouped by it. */
  readonly family: string;
  readonly reader: string;
  readonly writer: string;
}

export interface CorpusOptions {
  readonly seed: number;
  /** How many random base schemas; each gives several pairs. */
  readonly randomSchemas: number;
  /** How many rounds of fuzz, each an odd default and a corrupted schema. */
  readonly fuzzRounds: number;
}

export function generateSchemaPairs(options: CorpusOptions): SchemaPair[] {
  const pairs: SchemaPair[] = [];
  const counts = new Map<string, number>();
  const add = (family: string, reader: SchemaJson, writer: SchemaJson): void => {
    const n = (counts.get(family) ?? 0) + 1;
    counts.set(family, n);
    pairs.push({ id: `${family}#${n}`, family, reader: toJsonText(reader), writer: toJsonText(writer) });
  };

  for (const [family, reader, writer] of handWrittenCases()) {
    add(family, reader, writer);
    // The other direction too, unless the pair is its own mirror.
    if (toJsonText(reader) !== toJsonText(writer)) add(`${family}/reversed`, writer, reader);
  }

  const random = new SeededRandom(options.seed);
  for (let i = 0; i < options.randomSchemas; i += 1) {
    const ctx = newGenContext(random);
    const base = randomRecord(ctx, 3);
    add('random/self', base, base);
    const first = mutate(base, random);
    add(`random/${first.change}`, first.schema, base);
    add(`random/${first.change}/reversed`, base, first.schema);
    const second = mutate(first.schema, random);
    add('random/two-changes', second.schema, base);
    add('random/two-changes/reversed', base, second.schema);
  }
  fuzzPairs(new SeededRandom(options.seed + 1), options.fuzzRounds, add);
  return pairs;
}
