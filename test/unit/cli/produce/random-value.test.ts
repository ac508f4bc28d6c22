import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../../functions/core/serde/avro-schema.js';
import { subjectSchema } from '../../../../functions/core/serde/subject-schema.js';
import { seededRandom } from '../../../../scripts/reference/seeded-random.js';
import { randomValueGenerator } from '../../../../scripts/cli/produce/random-value.js';

const BASE_TIME = Date.parse('2026-03-01T12:00:00.000Z');

/** Every logical type, named-type reference and container the generator must handle. */
const EVERYTHING = {
  type: 'record',
  name: 'Everything',
  namespace: 'com.example',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 3 } },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B', 'C'] } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'tags', type: { type: 'map', values: 'Kind' } },
    { name: 'maybe', type: ['null', 'double', 'Hash'] },
    { name: 'children', type: { type: 'array', items: 'com.example.Everything' } },
    { name: 'flag', type: 'boolean' },
    { name: 'n', type: 'long' },
  ],
};

function values(schema: unknown, seed: number, count: number): unknown[] {
  const generate = randomValueGenerator(schema, { baseTime: BASE_TIME });
  const rng = seededRandom(seed);
  return Array.from({ length: count }, () => generate(rng));
}

describe('randomValueGenerator', () => {
  it.each([
    ['orders v1', JSON.parse(subjectSchema('orders', 1)) as unknown],
    ['orders v3', JSON.parse(subjectSchema('orders', 3)) as unknown],
    ['stock-movements v1', JSON.parse(subjectSchema('stock-movements', 1)) as unknown],
    ['a schema with every logical and named type', EVERYTHING],
    ['a schema with names avsc holds escaped', {
      type: 'record',
      name: 'Réservation',
      fields: [
        { name: 'données', type: { type: 'enum', name: 'Größe', symbols: ['Klein', 'Groß'] } },
        { name: 'either', type: [{ type: 'record', name: 'Ä', fields: [{ name: 'ö', type: 'string' }] }, { type: 'record', name: 'B', fields: [{ name: 'b', type: 'string' }] }] },
      ],
    }],
    ['a schema whose unions hold several named types', {
      type: 'record',
      name: 'Event',
      fields: [
        { name: 'payload', type: [{ type: 'record', name: 'shop.order.Created', fields: [{ name: 'id', type: 'string' }] }, { type: 'record', name: 'shop.customer.Created', fields: [{ name: 'id', type: 'long' }] }] },
        { name: 'number', type: ['null', 'int', 'double'] },
        { name: 'label', type: ['string', { type: 'enum', name: 'Label', symbols: ['A', 'B'] }] },
        { name: 'items', type: { type: 'array', items: ['bytes', { type: 'fixed', name: 'Four', size: 4 }] } },
      ],
    }],
  ])('makes values the pipeline types accept and encode: %s', (_, schema) => {
    const type = parseAvroSchema(schema as string);
    for (const value of values(schema, 3, 200)) {
      expect(type.isValid(value)).toBe(true);
      expect(() => type.toBuffer(value)).not.toThrow();
    }
  });

  it('gives the same values for the same seed and others for another seed', () => {
    const type = parseAvroSchema(EVERYTHING as never);
    const encode = (vs: unknown[]): string[] => vs.map((v) => type.toBuffer(v).toString('hex'));
    expect(encode(values(EVERYTHING, 42, 50))).toEqual(encode(values(EVERYTHING, 42, 50)));
    expect(encode(values(EVERYTHING, 43, 50))).not.toEqual(encode(values(EVERYTHING, 42, 50)));
  });

  it('draws timestamps from the hour before the base time and decimals within their precision', () => {
    for (const value of values(EVERYTHING, 9, 200) as Array<{ at: Date; amount: string; id: string }>) {
      expect(value.at.getTime()).toBeLessThanOrEqual(BASE_TIME);
      expect(value.at.getTime()).toBeGreaterThan(BASE_TIME - 3_600_000);
      expect(value.amount).toMatch(/^\d{1,3}\.\d{3}$/);
      expect(value.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });
});
