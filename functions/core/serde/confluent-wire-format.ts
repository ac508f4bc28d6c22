import { DecodeError, SerdeArgumentError } from './errors.js';

/**
 * The Confluent wire format: magic byte 0, a 4-byte big-endian schema id,
 * then the Avro body. Schema ids travel through the pipeline as decimal
 * strings so that one id type serves Glue and Confluent.
 */
export const CONFLUENT_MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

export interface ConfluentFrame {
  readonly schemaVersionId: string;
  readonly body: Buffer;
}

export function looksLikeConfluentFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 1 && bytes[0] === CONFLUENT_MAGIC_BYTE;
}

export function readConfluentFrame(bytes: Buffer): ConfluentFrame {
  if (bytes.length < HEADER_BYTES) {
    throw new DecodeError(
      `Confluent wire format needs a ${HEADER_BYTES}-byte header, the record has ${bytes.length} bytes`,
    );
  }
  return { schemaVersionId: String(bytes.readUInt32BE(1)), body: bytes.subarray(HEADER_BYTES) };
}

export function writeConfluentFrame(schemaId: number, body: Uint8Array): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new SerdeArgumentError(`Confluent schema id must be an unsigned 32-bit integer, got ${schemaId}`, 'schemaId', schemaId);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = CONFLUENT_MAGIC_BYTE;
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}
