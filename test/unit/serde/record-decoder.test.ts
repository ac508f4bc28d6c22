import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canRead } from '../../../functions/core/serde/compatibility.js';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { writeConfluentFrame } from '../../../functions/core/serde/confluent-wire-format.js';
import {
  DecodeError,
  SchemaNotFoundError,
  SchemaRegistryUnavailableError,
  SchemaValidationError,
} from '../../../functions/core/serde/errors.js';
import { GlueCompression, writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { writeJson } from '../../../functions/core/serde/json-wire-format.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../helpers/orders.js';

const VERSIONS = [1, 2, 3] as const;

function ordersRegistry(): InMemorySchemaRegistry {
  return new InMemorySchemaRegistry(
    Object.fromEntries(VERSIONS.map((v) => [ORDERS_SCHEMA_IDS[v], subjectVersion('orders', v)])),
  );
}

function written(version: 1 | 2 | 3, compression: GlueCompression = GlueCompression.NONE): Buffer {
  const body = parseAvroSchema(subjectVersion('orders', version)).toBuffer(orderEvent(version));
  return writeGlueFrame(ORDERS_SCHEMA_IDS[version], body, compression);
}

/** What a reader of `reader` sees of an event written by `writer`, by Avro's resolution rules. */
function expectedView(writer: 1 | 2 | 3, reader: 1 | 2 | 3): Record<string, unknown> {
  const event = orderEvent(writer);
  const payload = { ...(event.payload as Record<string, unknown>) };
  if (reader < 2) delete payload.shipping_method;
  else payload.shipping_method ??= 'standard';
  if (reader < 3) delete payload.promo_code;
  else payload.promo_code ??= null;
  return { ...event, payload };
}

describe('RecordDecoder: orders v1/v2/v3 under FULL_ALL', () => {
  it('holds for the mode the orders subject declares: FULL_ALL allows every direction', () => {
    const subject = JSON.parse(readFileSync(fileURLToPath(new URL('../../../schemas/orders/subject.json', import.meta.url)), 'utf8')) as {
      compatibility: string;
    };
    expect(subject.compatibility).toBe('FULL_ALL');
    for (const writer of VERSIONS) {
      for (const reader of VERSIONS) expect(canRead(subjectVersion('orders', reader), subjectVersion('orders', writer))).toEqual([]);
    }
  });

  for (const writer of VERSIONS) {
    for (const reader of VERSIONS) {
      it(`reads data written with v${writer} as v${reader}`, async () => {
        // Prepare
        const decoder = new RecordDecoder({ registry: ordersRegistry(), readerSchema: subjectVersion('orders', reader) });

        // Act
        const decoded = await decoder.decode(written(writer, writer === 2 ? GlueCompression.ZLIB : GlueCompression.NONE));

        // Assess
        expect(decoded.format).toBe('glue');
        expect(decoded.schemaVersionId).toBe(ORDERS_SCHEMA_IDS[writer]);
        expect({ ...(decoded.value as object) }).toEqual(expectedView(writer, reader));
      });
    }
  }

  it('decodes with the writer schema when no reader is given', async () => {
    const decoder = new RecordDecoder({ registry: ordersRegistry() });
    expect({ ...((await decoder.decode(written(2))).value as object) }).toEqual(orderEvent(2));
  });

  it('decodes a Confluent-framed record by its numeric id', async () => {
    const registry = new InMemorySchemaRegistry({ '42': subjectVersion('orders', 1) });
    const decoder = new RecordDecoder({ registry, readerSchema: subjectVersion('orders', 3) });
    const body = parseAvroSchema(subjectVersion('orders', 1)).toBuffer(orderEvent(1));

    const decoded = await decoder.decode(writeConfluentFrame(42, body));

    expect(decoded).toMatchObject({ format: 'confluent', schemaVersionId: '42' });
    expect({ ...(decoded.value as object) }).toEqual(expectedView(1, 3));
  });

  it('compiles each writer schema once per container', async () => {
    const registry = ordersRegistry();
    const decoder = new RecordDecoder({ registry, readerSchema: subjectVersion('orders', 3) });
    for (let i = 0; i < 50; i += 1) await decoder.decode(written(((i % 3) + 1) as 1 | 2 | 3));
    expect(registry.lookups).toBe(3);
  });
});

describe('RecordDecoder: failures', () => {
  it('throws SchemaValidationError when the writer cannot be resolved to the reader', async () => {
    // A reader that requires a field no order version has.
    const reader = JSON.parse(subjectVersion('orders', 3)) as { fields: object[] };
    reader.fields.push({ name: 'tenant_id', type: 'string' });
    const decoder = new RecordDecoder({ registry: ordersRegistry(), readerSchema: reader as never });

    const attempt = decoder.decode(written(1));

    await expect(attempt).rejects.toBeInstanceOf(SchemaValidationError);
    await expect(attempt).rejects.toMatchObject({ reason: 'VALIDATION_ERROR', schemaVersionId: ORDERS_SCHEMA_IDS[1] });
  });

  it('lets SchemaNotFoundError from the registry through as SCHEMA_NOT_FOUND', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry() });
    await expect(decoder.decode(written(1))).rejects.toMatchObject({ reason: 'SCHEMA_NOT_FOUND' });
    await expect(decoder.decode(written(1))).rejects.toBeInstanceOf(SchemaNotFoundError);
  });

  it('lets a registry outage through untouched, so the batch is retried instead of dead-lettered', async () => {
    const registry = {
      getSchemaDefinition: (id: string) => Promise.reject(new SchemaRegistryUnavailableError('throttled', id)),
    };
    await expect(new RecordDecoder({ registry }).decode(written(1))).rejects.toBeInstanceOf(SchemaRegistryUnavailableError);
  });

  it('dead-letters a timestamp-millis beyond a Date as VALIDATION_ERROR, naming the writer schema', async () => {
    const id = '0b7c4f1e-5a2d-4c3b-9e8f-1a2b3c4d5e6f';
    const schema = JSON.stringify({ type: 'record', name: 'At', fields: [{ name: 'occurred_at', type: { type: 'long', logicalType: 'timestamp-millis' } }] });
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry({ [id]: schema }) });
    const frame = (millis: bigint | number): Buffer => writeGlueFrame(id, parseAvroSchema('"long"').toBuffer(millis), GlueCompression.NONE);

    await expect(decoder.decode(frame(8.64e15))).resolves.toMatchObject({ value: { occurred_at: new Date(8.64e15) } });
    const attempt = decoder.decode(frame(2n ** 63n - 1n));
    await expect(attempt).rejects.toBeInstanceOf(SchemaValidationError);
    await expect(attempt).rejects.toMatchObject({ reason: 'VALIDATION_ERROR', schemaVersionId: id });
    await expect(attempt).rejects.toThrow(/timestamp-millis 9223372036854775807 is outside/);
  });

  it('decodes a union of several records wrapped in the branch name, and conforms JSON written that way', async () => {
    const id = '5e0f4c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b';
    const created = (name: string) => ({ type: 'record', name, fields: [{ name: 'id', type: 'string' }] });
    const schema = { type: 'record', name: 'shop.Event', fields: [{ name: 'payload', type: [created('shop.order.Created'), created('shop.customer.Created')] }] };
    const value = { payload: { 'shop.customer.Created': { id: 'c-1' } } };
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry({ [id]: JSON.stringify(schema) }), readerSchema: schema as never });

    await expect(decoder.decode(writeGlueFrame(id, parseAvroSchema(schema as never).toBuffer(value), GlueCompression.NONE))).resolves.toMatchObject({ value });
    await expect(decoder.decode(writeJson(value))).resolves.toMatchObject({ value });
  });

  it('decodes and conforms records whose schema has names avsc holds escaped, with the names as written', async () => {
    const id = '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    const schema = { type: 'record', name: 'Réservation', fields: [{ name: 'données', type: { type: 'enum', name: 'Größe', symbols: ['Klein', 'Groß'] } }] };
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry({ [id]: JSON.stringify(schema) }), readerSchema: schema as never });
    // Field 0 holds enum symbol 1 (Groß): the names are not in the bytes.
    const body = Buffer.from([2]);

    await expect(decoder.decode(writeGlueFrame(id, body, GlueCompression.NONE))).resolves.toMatchObject({ value: { données: 'Groß' } });
    await expect(decoder.decode(writeJson({ données: 'Klein' }))).resolves.toMatchObject({ value: { données: 'Klein' } });
    await expect(decoder.decode(writeJson({ données: 'Mittel' }))).rejects.toBeInstanceOf(SchemaValidationError);
  });

  it('throws DecodeError with the schema id for a truncated Avro body', async () => {
    const decoder = new RecordDecoder({ registry: ordersRegistry() });
    const attempt = decoder.decode(written(1).subarray(0, 30));
    await expect(attempt).rejects.toBeInstanceOf(DecodeError);
    await expect(attempt).rejects.toMatchObject({ schemaVersionId: ORDERS_SCHEMA_IDS[1] });
  });

  it('throws DecodeError for trailing bytes after the Avro body', async () => {
    const decoder = new RecordDecoder({ registry: ordersRegistry() });
    await expect(decoder.decode(Buffer.concat([written(1), Buffer.from([0])]))).rejects.toBeInstanceOf(DecodeError);
  });

  it('remembers a writer schema it cannot read, so later records fail alike without asking the registry again', async () => {
    const noSymbols = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: [] } }] });
    const registry = new InMemorySchemaRegistry({ [ORDERS_SCHEMA_IDS[1]]: '{"type":"nope"}', [ORDERS_SCHEMA_IDS[2]]: noSymbols });
    const decoder = new RecordDecoder({ registry });

    for (let i = 0; i < 3; i += 1) {
      await expect(decoder.decode(written(1))).rejects.toThrow(/Writer schema .* is not valid Avro/);
      await expect(decoder.decode(written(2))).rejects.toThrow(/Writer schema .* cannot be read here: enum 'E' has no symbols/);
    }
    expect(registry.lookups).toBe(2);
  });

  it('throws DecodeError when the registry holds a schema that is not Avro', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry({ [ORDERS_SCHEMA_IDS[1]]: '{"type":"nope"}' }) });
    await expect(decoder.decode(written(1))).rejects.toThrow(/is not valid Avro/);
  });
});

describe('RecordDecoder: JSON', () => {
  it('passes JSON through untouched without a reader schema', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry() });
    expect(await decoder.decode(writeJson({ any: ['thing'] }))).toEqual({ format: 'json', value: { any: ['thing'] } });
  });

  it('conforms JSON to the reader: defaults filled, timestamps as Dates, decimals exact', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry(), readerSchema: subjectVersion('orders', 3) });
    const json = { ...orderEvent(1), occurred_at: Date.parse('2026-01-01T10:00:00.000Z') };

    const decoded = await decoder.decode(writeJson(json));

    expect({ ...(decoded.value as object) }).toEqual(expectedView(1, 3));
  });

  it('throws SchemaValidationError naming each missing or mistyped field', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry(), readerSchema: subjectVersion('orders', 1) });
    const attempt = decoder.decode(writeJson({ event_id: 'e', event_type: 7 }));
    await expect(attempt).rejects.toBeInstanceOf(SchemaValidationError);
    await expect(attempt).rejects.toThrow(/'event_type' 7 is not a valid string; 'occurred_at' \(missing\)/);
  });

  it('decodes a null value (a tombstone) as null', async () => {
    const decoder = new RecordDecoder({ registry: new InMemorySchemaRegistry(), readerSchema: subjectVersion('orders', 1) });
    expect(await decoder.decode(null)).toEqual({ format: 'json', value: null });
  });
});
