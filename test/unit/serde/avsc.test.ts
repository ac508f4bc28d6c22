import fullAvsc, { type Schema } from 'avsc';
import { describe, expect, it } from 'vitest';
import avro from '../../../functions/core/serde/avsc.js';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';

describe('avsc through its types-only entry point', () => {
  it('is the same Type and types as the package\'s main entry, so types mix freely', () => {
    expect(avro.Type).toBe(fullAvsc.Type);
    expect(avro.types).toBe(fullAvsc.types);
  });

  it('decodes what the main entry encodes, logical types included', () => {
    const schema: Schema = { type: 'record', name: 'R', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] };
    const at = new Date('2026-01-02T03:04:05.678Z');
    const bytes = fullAvsc.Type.forSchema(schema).toBuffer({ at: at.getTime() });

    expect(parseAvroSchema(schema).fromBuffer(bytes)).toEqual({ at });
  });
});
