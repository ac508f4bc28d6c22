/**
 * Fuzz pairs for the Avro corpus: odd JSON values where the parser expects
 * something particular (a default, a name, a size, a type), mostly schemas
 * Avro Java refuses and some it takes.
 */
import { newGenContext, randomRecord, randomType } from './random-schemas.js';
import { clone, fld, raw, RawJsonNumber, rec, type JsonObject, type SchemaJson } from './schema-json.js';
import type { SeededRandom } from './seeded-random.js';

/** JSON values that sit on the edges of what a default, a name, a size or a type may be. */
const ODD_VALUES: readonly SchemaJson[] = [
  null, true, 0, -1, raw('1.0'), raw('1e2'), raw('2147483648'), raw('9223372036854775808'), raw('-0'),
  '', 'NaN', 'x', 'A', 'int', 'R', 'a.R', '1a', 'ä', '\ud83d\ude00', [], [null], [1], ['A'], {}, { a: 1 }, { x: 1 }, { type: 'int' },
];

/** A copy of `schema` with one object key removed or given an odd value: mostly schemas Avro Java refuses, some it takes. */
function corrupt(schema: JsonObject, random: SeededRandom): JsonObject {
  const copy = clone(schema);
  const objects: JsonObject[] = [];
  const collect = (value: SchemaJson): void => {
    if (value === null || typeof value !== 'object' || value instanceof RawJsonNumber) return;
    if (Array.isArray(value)) {
      for (const item of value as readonly SchemaJson[]) collect(item);
      return;
    }
    const object = value as JsonObject;
    objects.push(object);
    for (const item of Object.values(object)) collect(item);
  };
  collect(copy);
  const target = random.pick(objects.filter((object) => Object.keys(object).length > 0));
  const key = random.chance(0.8) ? random.pick(Object.keys(target)) : random.pick(['aliases', 'namespace', 'order', 'default', 'logicalType']);
  if (random.chance(0.25)) delete target[key];
  else target[key] = random.pick(ODD_VALUES);
  return copy;
}

export function fuzzPairs(random: SeededRandom, count: number, add: (family: string, reader: SchemaJson, writer: SchemaJson) => void): void {
  for (let i = 0; i < count; i += 1) {
    const ctx = newGenContext(random);
    const base = randomRecord(ctx, 2);
    // A field of a random type with an odd default, read from data without it.
    const type = randomType(ctx, 2);
    add('fuzz/odd-default', rec('Z', [fld('f', type, { default: random.pick(ODD_VALUES) })]), rec('Z', []));
    add('fuzz/corrupt', corrupt(base, random), base);
  }
}
