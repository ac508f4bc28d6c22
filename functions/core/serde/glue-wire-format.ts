import { deflateSync, inflateSync } from 'node:zlib';
import { DecodeError, SerdeArgumentError } from './errors.js';
import { isGlueSchemaVersionId } from './schema-registry.js';

/**
 * The AWS Glue Schema Registry wire format:
 *   byte 0       header version, always 3
 *   byte 1       compression: 0 none, 5 zlib
 *   bytes 2..17  schema version id (UUID, big-endian)
 *   bytes 18..   the Avro body, zlib-deflated when compression is 5
 */
export const GLUE_HEADER_VERSION = 3;
export const GlueCompression = { NONE: 0, ZLIB: 5 } as const;
export type GlueCompression = (typeof GlueCompression)[keyof typeof GlueCompression];

const HEADER_BYTES = 18;
/**
 * Inflated bodies are capped: a few hundred bytes of zlib can expand to
 * gigabytes, and one record must not take the function's memory down.
 */
export const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

export interface GlueFrame {
  readonly schemaVersionId: string;
  readonly compression: GlueCompression;
  /** The Avro body, already inflated. */
  readonly body: Buffer;
}

export function looksLikeGlueFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 1 && bytes[0] === GLUE_HEADER_VERSION;
}

export function readGlueFrame(bytes: Buffer): GlueFrame {
  if (bytes.length < HEADER_BYTES) {
    throw new DecodeError(`Glue wire format needs an ${HEADER_BYTES}-byte header, the record has ${bytes.length} bytes`);
  }
  const compression = bytes[1];
  const schemaVersionId = formatUuid(bytes.subarray(2, HEADER_BYTES));
  const payload = bytes.subarray(HEADER_BYTES);
  if (compression === GlueCompression.NONE) return { schemaVersionId, compression, body: payload };
  if (compression === GlueCompression.ZLIB) {
    try {
      return { schemaVersionId, compression, body: inflateSync(payload, { maxOutputLength: MAX_INFLATED_BYTES }) };
    } catch (error) {
      throw new DecodeError(`Glue payload marked zlib-compressed does not inflate: ${(error as Error).message}`, {
        cause: error,
        schemaVersionId,
      });
    }
  }
  throw new DecodeError(`Glue wire format compression byte ${String(compression)} is unknown (0 = none, 5 = zlib)`, {
    schemaVersionId,
  });
}

export function writeGlueFrame(
  schemaVersionId: string,
  body: Uint8Array,
  compression: GlueCompression = GlueCompression.NONE,
): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = GLUE_HEADER_VERSION;
  header[1] = compression;
  parseUuid(schemaVersionId).copy(header, 2);
  const payload = compression === GlueCompression.ZLIB ? deflateSync(body) : Buffer.from(body);
  return Buffer.concat([header, payload]);
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseUuid(id: string): Buffer {
  if (!isGlueSchemaVersionId(id)) {
    throw new SerdeArgumentError(`Glue schema version id must be a UUID, got '${id}'`, 'schemaVersionId', id);
  }
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}
