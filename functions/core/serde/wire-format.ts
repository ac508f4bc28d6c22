import { looksLikeConfluentFrame, readConfluentFrame } from './confluent-wire-format.js';
import { looksLikeGlueFrame, readGlueFrame } from './glue-wire-format.js';
import { isGlueSchemaVersionId } from './schema-registry.js';
import { readJson } from './json-wire-format.js';
import { DecodeError } from './errors.js';
import type { KafkaSchemaMetadata } from '../msk/types.js';

export const WireFormat = { GLUE: 'glue', CONFLUENT: 'confluent', JSON: 'json' } as const;
export type WireFormat = (typeof WireFormat)[keyof typeof WireFormat];

/** A record's bytes with the framing taken off: an Avro body and its writer, or a JSON value. */
export type Unframed =
  | { readonly format: typeof WireFormat.GLUE | typeof WireFormat.CONFLUENT; readonly schemaVersionId: string; readonly body: Buffer }
  | { readonly format: typeof WireFormat.JSON; readonly json: unknown };

/**
 * Reads the framing of one record value.
 *
 * Without schema metadata the first byte decides, and unambiguously so: no
 * JSON text starts with byte 3 (Glue) or byte 0 (Confluent). With metadata
 * from the mapping's schema-registry integration, the mapping has already
 * taken the framing off (SOURCE) or converted the value to JSON, and the
 * metadata names the writer schema.
 */
export function unframe(bytes: Buffer, metadata?: KafkaSchemaMetadata): Unframed {
  if (metadata !== undefined) return unframeWithMetadata(bytes, metadata);
  if (looksLikeGlueFrame(bytes)) return { format: WireFormat.GLUE, ...readGlueFrame(bytes) };
  if (looksLikeConfluentFrame(bytes)) return { format: WireFormat.CONFLUENT, ...readConfluentFrame(bytes) };
  return { format: WireFormat.JSON, json: readJson(bytes) };
}

function unframeWithMetadata(bytes: Buffer, metadata: KafkaSchemaMetadata): Unframed {
  switch (metadata.dataFormat) {
    case 'JSON':
      return { format: WireFormat.JSON, json: readJson(bytes) };
    case 'AVRO': {
      const glue = isGlueSchemaVersionId(metadata.schemaId);
      // A producer-framed value that the mapping passed through untouched still decodes.
      if (glue && looksLikeGlueFrame(bytes) && bytes.length >= 18) {
        const frame = readGlueFrame(bytes);
        if (frame.schemaVersionId === metadata.schemaId.toLowerCase()) return { format: WireFormat.GLUE, ...frame };
      }
      return {
        format: glue ? WireFormat.GLUE : WireFormat.CONFLUENT,
        schemaVersionId: glue ? metadata.schemaId.toLowerCase() : metadata.schemaId,
        body: bytes,
      };
    }
    default:
      throw new DecodeError(
        `Record schema metadata names data format '${metadata.dataFormat}'; only AVRO and JSON are supported`,
        { schemaVersionId: metadata.schemaId },
      );
  }
}
