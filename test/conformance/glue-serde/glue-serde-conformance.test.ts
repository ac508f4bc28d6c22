/**
 * Frames written by AWS's own Glue Schema Registry serializer (Java), decoded
 * by our RecordDecoder, judged against Avro Java's decoding of the same
 * frames through the decoder's documented contract (avro-contract.ts). The
 * oracle is GlueFrames.java: it builds seeded records, extremes first, for
 * every reference schema in schemas/ and for the suite's own schema of every
 * Avro type, and frames each one uncompressed and zlib-compressed.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapedNamesOf, parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { SerdeError, SerdeErrorReason } from '../../../functions/core/serde/errors.js';
import { escapeNames } from '../../../functions/core/serde/avsc-names.js';
import { GlueCompression, writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import { WireFormat } from '../../../functions/core/serde/wire-format.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { recordConformance, REPORT_DIR } from '../harness/report.js';
import { type Comparison, compareWithAvroJava, describeValue, encoderInput } from './avro-contract.js';
import { parseAvroType, type AvroType } from './avro-type.js';
import { mapOrderSurvivesObjects, recordBranchesTaken, timestampsBeyondDates, unionSites } from './avro-value-walks.js';
import { glueSerdeClasspath, type OracleFrame, writeFramesWithAwsSerde, writerSchema, type WriterSchema } from './glue-frames.js';

const SUITE = 'glue-serde';
/** Fixed, so a failure names the same frames on the next run. */
const SEED = 20_240_611;
/** After the extremes (25 records) and the timestamp-millis edges (16): enough to mix union branches, sizes and scripts. */
const RANDOM_RECORDS_PER_SCHEMA = 40;
const SCHEMAS_DIR = fileURLToPath(new URL('../../../schemas/', import.meta.url));
const EVERY_AVRO_TYPE = fileURLToPath(new URL('./every-avro-type.avsc', import.meta.url));
/** Differences listed in a failure; the rest are counted. */
const LISTED = 40;

/** Every reference schema (`schemas/<subject>/v<n>.avsc`), then the suite's own schema of every Avro type. */
function writerSchemas(): WriterSchema[] {
  const references = readdirSync(SCHEMAS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((subject) =>
      readdirSync(join(SCHEMAS_DIR, subject.name))
        .filter((file) => /^v\d+\.avsc$/.test(file))
        .map((file) => writerSchema(`${subject.name}/${file.replace(/\.avsc$/, '')}`, join(SCHEMAS_DIR, subject.name, file))),
    )
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return [...references, writerSchema('every-avro-type', EVERY_AVRO_TYPE)];
}

const schemas = writerSchemas();
const typesByName = new Map(schemas.map((schema) => [schema.name, parseAvroType(schema.definition)]));
let frames: OracleFrame[] = [];

const decoding = { frames: 0, agreeing: 0, values: 0, differences: [] as string[] };
const encoding = { compared: 0, identical: 0, skipped: 0, differences: [] as string[] };

function typeOf(frame: OracleFrame): AvroType {
  const type = typesByName.get(frame.schema);
  if (type === undefined) throw new Error(`the oracle wrote a frame for an unknown schema ${frame.schema}`);
  return type;
}

function where(frame: OracleFrame): string {
  return `${frame.schema} [${frame.case}] ${frame.compression}`;
}

/** The first differences for the failure message; all of them in a file beside the suite's report, since there may be hundreds. */
function listed(differences: readonly string[], kind: string): string {
  mkdirSync(REPORT_DIR, { recursive: true });
  const file = `${REPORT_DIR}conformance-${SUITE}-${kind}.txt`;
  writeFileSync(file, `${differences.join('\n')}\n`);
  const more = differences.length > LISTED ? `\n... and ${differences.length - LISTED} more, all in ${file}` : '';
  return `${differences.slice(0, LISTED).join('\n')}${more}`;
}

/** The offset of the first byte two hex strings differ in. */
function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a.slice(i, i + 2) === b.slice(i, i + 2)) i += 2;
  return i / 2;
}

beforeAll(async () => {
  const classpath = await glueSerdeClasspath((line) => console.log(line));
  frames = await writeFramesWithAwsSerde({ classpath, seed: SEED, randomRecordsPerSchema: RANDOM_RECORDS_PER_SCHEMA, schemas });
});

afterAll(() => {
  const passed = decoding.frames > 0 && decoding.agreeing === decoding.frames && encoding.compared > 0 && encoding.identical === encoding.compared;
  recordConformance(SUITE, {
    line: `glue serde conformance: ${decoding.frames} frames from AWS's Java serializer, ${decoding.agreeing} decode as Avro Java does; ${encoding.identical} of ${encoding.compared} uncompressed frames byte-identical to ours`,
    passed,
  });
});

describe("glue serde conformance: frames written by AWS's Java serializer", () => {
  it('has frames for every writer schema, uncompressed and zlib-compressed, that Avro Java reads back as written', () => {
    for (const schema of schemas) {
      for (const compression of ['NONE', 'ZLIB'] as const) {
        expect(frames.some((frame) => frame.schema === schema.name && frame.compression === compression), `${schema.name} ${compression}`).toBe(true);
      }
    }
    for (const frame of frames) {
      // The header AWS wrote: version 3, its compression byte, the schema version id it was given.
      expect(frame.frame.slice(0, 36), where(frame)).toBe(`03${frame.compression === 'ZLIB' ? '05' : '00'}${frame.uuid.replaceAll('-', '')}`);
    }
    // The oracle's own check: what Avro Java decodes is exactly the record AWS's serializer was given.
    expect(frames.filter((frame) => !frame.roundTrips).map(where)).toEqual([]);
  });

  it('takes every branch of every union, so each one meets the decoder and the encoder', () => {
    const missing: string[] = [];
    for (const schema of schemas) {
      const type = parseAvroType(schema.definition);
      const taken = new Map<string, Set<number>>();
      for (const frame of frames) if (frame.schema === schema.name) recordBranchesTaken(type, frame.avro, taken);
      for (const [site, count] of unionSites(type)) {
        for (let branch = 0; branch < count; branch += 1) if (taken.get(site)?.has(branch) !== true) missing.push(`${schema.name} ${site} branch ${branch}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('decodes every frame as Avro Java does, by the decoder contract', async () => {
    const decoder = new RecordDecoder({
      registry: new InMemorySchemaRegistry(Object.fromEntries(schemas.map((schema) => [schema.schemaVersionId, schema.definition]))),
    });
    for (const frame of frames) {
      const type = typeOf(frame);
      const differences: string[] = [];
      const comparison: Comparison = { values: 0, differences };
      const refusedFor = timestampsBeyondDates(type, frame.avro);
      try {
        const decoded = await decoder.decode(Buffer.from(frame.frame, 'hex'));
        if (decoded.format !== WireFormat.GLUE || decoded.schemaVersionId !== frame.uuid) {
          differences.push(`read as ${decoded.format} with writer ${String(decoded.schemaVersionId)}, not Glue with ${frame.uuid}`);
        }
        if (refusedFor.length > 0) differences.push(`a timestamp-millis beyond a Date's range (${refusedFor.join(', ')}) must refuse the record with VALIDATION_ERROR; ours decoded it:`);
        compareWithAvroJava(type, frame.avro, decoded.value, '', comparison);
      } catch (error) {
        if (refusedFor.length > 0 && error instanceof SerdeError && error.reason === SerdeErrorReason.VALIDATION_ERROR) {
          // The contract's dead letter for a timestamp no Date holds.
          comparison.values += 1;
        } else {
          const expected = refusedFor.length > 0 ? `VALIDATION_ERROR for ${refusedFor.join(', ')}` : 'Avro Java decodes it';
          const reason = error instanceof SerdeError ? error.reason : 'not a SerdeError';
          differences.push(`${expected}; ours threw ${(error as Error).name} (${reason}): ${(error as Error).message.slice(0, 300)}`);
        }
      }
      decoding.frames += 1;
      decoding.values += comparison.values;
      if (differences.length === 0) decoding.agreeing += 1;
      else decoding.differences.push(`${where(frame)}:\n    ${differences.join('\n    ')}`);
    }
    console.log(`glue-serde: ${decoding.frames} frames (${decoding.values} values), ${decoding.agreeing} decode as Avro Java does`);
    expect(decoding.frames).toBeGreaterThan(0);
    expect(decoding.differences.length, `frames that do not decode as Avro Java does:\n${listed(decoding.differences, 'decoding')}`).toBe(0);
  });

  it("writes byte-identical frames to AWS's with our Glue encoder, for every value it can encode", () => {
    const writers = new Map(schemas.map((schema) => [schema.name, { type: parseAvroSchema(schema.definition), schema }]));
    for (const frame of frames) {
      if (frame.compression !== 'NONE') continue;
      const type = typeOf(frame);
      // No Date holds such a timestamp, and a JavaScript object puts integer-like keys first: neither has an input our encoder could take.
      if (timestampsBeyondDates(type, frame.avro).length > 0 || !mapOrderSurvivesObjects(type, frame.avro)) {
        encoding.skipped += 1;
        continue;
      }
      const writer = writers.get(frame.schema);
      if (writer === undefined) throw new Error(`no writer for ${frame.schema}`);
      const input = encoderInput(type, frame.avro);
      encoding.compared += 1;
      try {
        // Names avsc holds escaped (a non-ASCII field, say) are escaped as the pipeline's producer does.
        const names = escapedNamesOf(writer.type);
        const ours = writeGlueFrame(frame.uuid, writer.type.toBuffer(names === undefined ? input : escapeNames(writer.type, input, names)), GlueCompression.NONE).toString('hex');
        if (ours === frame.frame) encoding.identical += 1;
        else encoding.differences.push(`${where(frame)}: first differs at byte ${firstDifference(ours, frame.frame)}\n    AWS  ${frame.frame}\n    ours ${ours}`);
      } catch (error) {
        encoding.differences.push(`${where(frame)}: our encoder refused ${describeValue(input)}: ${(error as Error).message.slice(0, 300)}`);
      }
    }
    console.log(`glue-serde: ${encoding.identical} of ${encoding.compared} uncompressed frames byte-identical to ours (${encoding.skipped} with no input our encoder takes)`);
    expect(encoding.compared).toBeGreaterThan(0);
    expect(encoding.differences.length, `frames our encoder writes differently:\n${listed(encoding.differences, 'encoding')}`).toBe(0);
  });
});
