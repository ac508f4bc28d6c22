import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readConfluentFrame, writeConfluentFrame } from '../../../functions/core/serde/confluent-wire-format.js';
import { DecodeError, SerdeArgumentError } from '../../../functions/core/serde/errors.js';
import {
  GlueCompression,
  MAX_INFLATED_BYTES,
  readGlueFrame,
  writeGlueFrame,
} from '../../../functions/core/serde/glue-wire-format.js';
import { readJson, writeJson } from '../../../functions/core/serde/json-wire-format.js';
import { unframe } from '../../../functions/core/serde/wire-format.js';

const SCHEMA_ID = 'b7a5e6f0-1c2d-4e3f-8a9b-0c1d2e3f4a5b';
const BODY = Buffer.from([0x02, 0x0a, 0x68, 0x65, 0x6c, 0x6c, 0x6f]);

describe('Glue wire format', () => {
  it('writes header version 3, compression 0 and the UUID bytes before the body', () => {
    // Act
    const framed = writeGlueFrame(SCHEMA_ID, BODY);

    // Assess
    expect(framed[0]).toBe(3);
    expect(framed[1]).toBe(0);
    expect(framed.subarray(2, 18).toString('hex')).toBe(SCHEMA_ID.replaceAll('-', ''));
    expect(framed.subarray(18)).toEqual(BODY);
  });

  it('round-trips an uncompressed body', () => {
    expect(readGlueFrame(writeGlueFrame(SCHEMA_ID, BODY))).toEqual({
      schemaVersionId: SCHEMA_ID,
      compression: GlueCompression.NONE,
      body: BODY,
    });
  });

  it('round-trips a zlib-compressed body, deflating on write and inflating on read', () => {
    // Prepare
    const large = Buffer.alloc(10_000, 0x61);

    // Act
    const framed = writeGlueFrame(SCHEMA_ID, large, GlueCompression.ZLIB);

    // Assess
    expect(framed[1]).toBe(5);
    expect(framed.length).toBeLessThan(200);
    expect(readGlueFrame(framed).body).toEqual(large);
  });

  it('reads zlib payloads deflated by another producer', () => {
    const framed = Buffer.concat([writeGlueFrame(SCHEMA_ID, Buffer.alloc(0)).subarray(0, 18), deflateSync(BODY)]);
    framed[1] = 5;
    expect(readGlueFrame(framed).body).toEqual(BODY);
  });

  it('throws a DecodeError naming the size when the header is truncated', () => {
    expect(() => readGlueFrame(Buffer.from([3, 0, 1]))).toThrow(/18-byte header, the record has 3 bytes/);
  });

  it('throws a DecodeError for an unknown compression byte', () => {
    const framed = writeGlueFrame(SCHEMA_ID, BODY);
    framed[1] = 9;
    expect(() => readGlueFrame(framed)).toThrow(DecodeError);
    expect(() => readGlueFrame(framed)).toThrow(/compression byte 9 is unknown/);
  });

  it('throws a DecodeError carrying the schema id when a zlib body is corrupt', () => {
    const framed = Buffer.concat([writeGlueFrame(SCHEMA_ID, Buffer.alloc(0)), Buffer.from('garbage')]);
    framed[1] = 5;
    try {
      readGlueFrame(framed);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).schemaVersionId).toBe(SCHEMA_ID);
    }
  });

  it('refuses to inflate a body beyond the size cap', () => {
    const bomb = writeGlueFrame(SCHEMA_ID, Buffer.alloc(MAX_INFLATED_BYTES + 1), GlueCompression.ZLIB);
    expect(() => readGlueFrame(bomb)).toThrow(DecodeError);
  });

  it('rejects a schema version id that is not a UUID when writing', () => {
    expect(() => writeGlueFrame('not-a-uuid', BODY)).toThrow(/must be a UUID/);
  });
});

describe('Confluent wire format', () => {
  it('round-trips magic byte 0 and a big-endian 4-byte id', () => {
    const framed = writeConfluentFrame(0x01020304, BODY);
    expect([...framed.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(readConfluentFrame(framed)).toEqual({ schemaVersionId: String(0x01020304), body: BODY });
  });

  it('throws a DecodeError when the header is truncated', () => {
    expect(() => readConfluentFrame(Buffer.from([0, 0, 1]))).toThrow(/5-byte header, the record has 3 bytes/);
  });

  it('rejects ids outside the unsigned 32-bit range when writing', () => {
    expect(() => writeConfluentFrame(-1, BODY)).toThrow(SerdeArgumentError);
    expect(() => writeConfluentFrame(2 ** 32, BODY)).toThrow(SerdeArgumentError);
  });

  it('rejects a Glue schema version id that is not a UUID when writing', () => {
    expect(() => writeGlueFrame('orders-v1', BODY)).toThrow(SerdeArgumentError);
  });
});

describe('JSON wire format', () => {
  it('round-trips a value', () => {
    const value = { a: 1, b: ['x', null], c: { d: true } };
    expect(readJson(writeJson(value))).toEqual(value);
  });

  it('throws a DecodeError for bytes that are not UTF-8', () => {
    expect(() => readJson(Buffer.from([0xff, 0xfe, 0x7b]))).toThrow(/not UTF-8/);
  });

  it('throws a DecodeError for text that is not JSON', () => {
    expect(() => readJson(Buffer.from('{nope'))).toThrow(DecodeError);
  });
});

describe('unframe', () => {
  it('detects each format from the first byte', () => {
    expect(unframe(writeGlueFrame(SCHEMA_ID, BODY))).toMatchObject({ format: 'glue', schemaVersionId: SCHEMA_ID });
    expect(unframe(writeConfluentFrame(42, BODY))).toMatchObject({ format: 'confluent', schemaVersionId: '42' });
    expect(unframe(writeJson({ a: 1 }))).toEqual({ format: 'json', json: { a: 1 } });
  });

  it('treats an AVRO value from the mapping (SOURCE format) as a bare body written by the named schema', () => {
    expect(unframe(BODY, { dataFormat: 'AVRO', schemaId: SCHEMA_ID.toUpperCase() })).toEqual({
      format: 'glue',
      schemaVersionId: SCHEMA_ID,
      body: BODY,
    });
    expect(unframe(BODY, { dataFormat: 'AVRO', schemaId: '17' })).toEqual({ format: 'confluent', schemaVersionId: '17', body: BODY });
  });

  it('still unframes a Glue-framed value whose embedded id matches the metadata', () => {
    expect(unframe(writeGlueFrame(SCHEMA_ID, BODY), { dataFormat: 'AVRO', schemaId: SCHEMA_ID })).toMatchObject({ body: BODY });
  });

  it('reads a JSON value converted by the mapping', () => {
    expect(unframe(writeJson({ a: 1 }), { dataFormat: 'JSON', schemaId: SCHEMA_ID })).toEqual({ format: 'json', json: { a: 1 } });
  });

  it('rejects Protobuf metadata with a DecodeError naming the format', () => {
    expect(() => unframe(BODY, { dataFormat: 'PROTOBUF', schemaId: SCHEMA_ID })).toThrow(/'PROTOBUF'; only AVRO and JSON/);
  });
});
