import {
  CreateSchemaCommand,
  GetRegistryCommand,
  GetSchemaCommand,
  GetSchemaVersionCommand,
  GlueClient,
  RegisterSchemaVersionCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemaCheckCommand, schemaRegisterCommand, type SchemaTarget } from '../../../../scripts/cli/schema/schema-command.js';
import { normalizeDefinition } from '../../../../scripts/cli/schema/normalized-definition.js';
import { caught } from '../../../helpers/caught.js';
import { capture, CHANNEL_WITH_DEFAULT, QUANTITY, schemaFolder, SKU, stockMovement, type SchemaFolder } from './schema-fixtures.js';

// Glue behaviour moto does not have: versions that go PENDING then FAILURE,
// numbering gaps left by refused versions, and a mode set apart from the files.
const glueMock = mockClient(GlueClient);
const REGISTRY = 'realtime-pipeline-test';
const V1 = stockMovement([SKU, QUANTITY]);
const V2 = stockMovement([SKU, QUANTITY, CHANNEL_WITH_DEFAULT]);

let folder: SchemaFolder;
let glue: GlueClient;

function target(): SchemaTarget {
  return { glue, registryName: REGISTRY, label: 'aws test (eu-west-1)', close: () => undefined };
}

/** The registry holds `stock-movements` with these Glue versions (number → definition, status). */
function registryHas(mode: string, versions: Record<number, { definition: object; status: string }>): void {
  glueMock.on(GetRegistryCommand).resolves({ RegistryName: REGISTRY });
  glueMock.on(GetSchemaCommand).resolves({ Compatibility: mode as 'BACKWARD', LatestSchemaVersion: Math.max(...Object.keys(versions).map(Number)) });
  glueMock.on(GetSchemaVersionCommand).callsFake((input: { SchemaVersionNumber?: { VersionNumber?: number } }) => {
    const number = input.SchemaVersionNumber?.VersionNumber ?? 0;
    const found = versions[number];
    if (found === undefined) return Promise.reject(Object.assign(new Error('not found'), { name: 'EntityNotFoundException' }));
    return Promise.resolve({ VersionNumber: number, SchemaVersionId: `id-${number}`, Status: found.status, SchemaDefinition: JSON.stringify(found.definition), DataFormat: 'AVRO' });
  });
}

beforeEach(async () => {
  glueMock.reset();
  glue = new GlueClient({ region: 'eu-west-1' });
  folder = await schemaFolder();
});
afterEach(async () => {
  await folder.remove();
});

describe('rtp schema check --against registry (Glue mocked)', () => {
  it('matches files to Glue versions by position, skipping versions Glue refused', async () => {
    registryHas('BACKWARD', { 1: { definition: V1, status: 'AVAILABLE' }, 2: { definition: { type: 'record', name: 'Refused', fields: [] }, status: 'FAILURE' }, 3: { definition: V2, status: 'AVAILABLE' } });
    await folder.subject('stock-movements', 'BACKWARD', [V1, V2]);
    const io = capture();

    const code = await schemaCheckCommand({ schemas: folder.dir, against: 'registry' }, { ...io, target: () => Promise.resolve(target()) });

    expect(code).toBe(0);
    expect(io.lines).toContain(`ok   stock-movements: v1..v2 in registry ${REGISTRY}, nothing new`);
  });

  it("checks new versions under the registry's mode too when it differs, and reports the mismatch", async () => {
    registryHas('FORWARD', { 1: { definition: V1, status: 'AVAILABLE' } });
    await folder.subject('stock-movements', 'BACKWARD', [V1, stockMovement([SKU])]);
    const io = capture();

    const code = await schemaCheckCommand({ schemas: folder.dir, against: 'registry' }, { ...io, target: () => Promise.resolve(target()) });

    expect(code).toBe(1);
    expect(io.lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^warning: stock-movements v2: MODE_CHANGED .*subject\.json declares BACKWARD, the registry realtime-pipeline-test has FORWARD/),
        expect.stringMatching(/^stock-movements v2 vs v1: READER_FIELD_MISSING_DEFAULT at StockMovement\.quantity \(FORWARD\)/),
      ]),
    );
  });
});

describe('rtp schema register (Glue mocked)', () => {
  it("waits while Glue checks a version, then fails naming Glue's verdict when it is FAILURE", async () => {
    registryHas('BACKWARD', { 1: { definition: V1, status: 'AVAILABLE' } });
    await folder.subject('stock-movements', 'BACKWARD', [V1, V2]);
    glueMock.on(RegisterSchemaVersionCommand).resolves({ SchemaVersionId: 'id-2', VersionNumber: 2, Status: 'PENDING' });
    glueMock.on(GetSchemaVersionCommand, { SchemaVersionId: 'id-2' }).resolvesOnce({ Status: 'PENDING' }).resolves({ Status: 'FAILURE' });

    const error = await caught(schemaRegisterCommand({ schemas: folder.dir }, { ...capture(), target: () => Promise.resolve(target()) }));

    expect(error).toMatchObject({ name: 'CliError', message: expect.stringMatching(/^Glue set v2 of stock-movements \(registry version 2\) to FAILURE/) as unknown });
    expect(glueMock.commandCalls(GetSchemaVersionCommand, { SchemaVersionId: 'id-2' })).toHaveLength(2);
  });

  it('creates a new subject with its mode and description, then registers the rest in order', async () => {
    glueMock.on(GetRegistryCommand).resolves({ RegistryName: REGISTRY });
    glueMock.on(GetSchemaCommand).rejects(Object.assign(new Error('Schema is not found'), { name: 'EntityNotFoundException' }));
    glueMock.on(CreateSchemaCommand).resolves({ SchemaVersionId: 'id-1', SchemaVersionStatus: 'AVAILABLE' });
    glueMock.on(RegisterSchemaVersionCommand).resolves({ SchemaVersionId: 'id-2', VersionNumber: 2, Status: 'AVAILABLE' });
    await folder.subject('stock-movements', 'FULL', [V1, V2]);
    const io = capture();

    const code = await schemaRegisterCommand({ schemas: folder.dir }, { ...io, target: () => Promise.resolve(target()) });

    expect(code).toBe(0);
    expect(glueMock.commandCalls(CreateSchemaCommand)[0]?.args[0].input).toMatchObject({ SchemaName: 'stock-movements', Compatibility: 'FULL', DataFormat: 'AVRO', SchemaDefinition: JSON.stringify(V1, null, 2) });
    expect(glueMock.commandCalls(RegisterSchemaVersionCommand)[0]?.args[0].input).toMatchObject({ SchemaDefinition: JSON.stringify(V2, null, 2) });
    expect(io.lines).toEqual([
      'created schema stock-movements with v1 as registry version 1 (id-1)',
      'registered stock-movements v2 as registry version 2 (id-2)',
      `registered 2 version(s) in registry ${REGISTRY} on the aws test (eu-west-1)`,
    ]);
  });

  it('registers nothing on --dry-run and says what it would do', async () => {
    registryHas('BACKWARD', { 1: { definition: V1, status: 'AVAILABLE' } });
    await folder.subject('stock-movements', 'BACKWARD', [V1, V2]);
    const io = capture();

    const code = await schemaRegisterCommand({ schemas: folder.dir, dryRun: true }, { ...io, target: () => Promise.resolve(target()) });

    expect(code).toBe(0);
    expect(glueMock.commandCalls(RegisterSchemaVersionCommand)).toHaveLength(0);
    expect(io.lines).toEqual([`would register stock-movements v2 in registry ${REGISTRY}`, `would register 1 version(s) in registry ${REGISTRY} on the aws test (eu-west-1)`]);
  });

  it('fails with what to do when the registry does not exist', async () => {
    glueMock.on(GetRegistryCommand).rejects(Object.assign(new Error('Registry is not found'), { name: 'EntityNotFoundException' }));
    await folder.subject('stock-movements', 'BACKWARD', [V1]);

    const error = await caught(schemaRegisterCommand({ schemas: folder.dir }, { ...capture(), target: () => Promise.resolve(target()) }));

    expect(error).toMatchObject({ name: 'CliError', message: expect.stringMatching(/has no Glue registry realtime-pipeline-test: provision it first/) as unknown });
  });
});

describe('normalizeDefinition', () => {
  it('ignores whitespace and key order, keeps the order of fields', () => {
    expect(normalizeDefinition('{ "type": "record", "name": "A", "fields": [] }')).toBe(normalizeDefinition('{"fields":[],"name":"A","type":"record"}'));
    expect(normalizeDefinition(JSON.stringify(stockMovement([SKU, QUANTITY])))).not.toBe(normalizeDefinition(JSON.stringify(stockMovement([QUANTITY, SKU]))));
    expect(normalizeDefinition(' string ')).toBe('string');
  });
});
