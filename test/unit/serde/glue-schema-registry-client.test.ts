import {
  AccessDeniedException,
  EntityNotFoundException,
  GetSchemaByDefinitionCommand,
  GetSchemaVersionCommand,
  GlueClient,
  InternalServiceException,
  InvalidInputException,
  RegisterSchemaVersionCommand,
  ResourceNumberLimitExceededException,
  ThrottlingException,
  type SchemaVersionStatus,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  SchemaNotFoundError,
  SchemaRegistrationError,
  SchemaRegistrationErrorReason,
  SchemaRegistryUnavailableError,
  SerdeErrorReason,
} from '../../../functions/core/serde/errors.js';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import { caught } from '../../helpers/caught.js';

const VERSION_ID = 'b7b4a7f0-9c3e-4d5a-8f6e-2a1b3c4d5e6f';
const REGISTRY = 'orders-registry';
const SUBJECT = 'orders-value';
const DEFINITION = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });
const meta = { $metadata: {} };

const glueMock = mockClient(GlueClient);

describe('GlueSchemaRegistryClient', () => {
  let client: GlueSchemaRegistryClient;

  beforeEach(() => {
    glueMock.reset();
    client = new GlueSchemaRegistryClient({ glue: new GlueClient({ region: 'eu-west-1' }), registryName: REGISTRY });
  });

  afterEach(() => {
    glueMock.reset();
  });

  describe('getSchemaDefinition', () => {
    it('returns the definition of an AVRO version, asking Glue by version id only', async () => {
      // Prepare
      glueMock.on(GetSchemaVersionCommand).resolves({
        SchemaVersionId: VERSION_ID,
        SchemaDefinition: DEFINITION,
        DataFormat: 'AVRO',
        Status: 'AVAILABLE',
        VersionNumber: 3,
      });

      // Act
      const definition = await client.getSchemaDefinition(VERSION_ID);

      // Assess
      expect(definition).toBe(DEFINITION);
      const calls = glueMock.commandCalls(GetSchemaVersionCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toStrictEqual({ SchemaVersionId: VERSION_ID });
    });

    it('sends an upper-case UUID in lower case', async () => {
      glueMock.on(GetSchemaVersionCommand).resolves({ SchemaDefinition: DEFINITION, DataFormat: 'AVRO' });

      await client.getSchemaDefinition(VERSION_ID.toUpperCase());

      expect(glueMock.commandCalls(GetSchemaVersionCommand)[0]?.args[0].input).toStrictEqual({
        SchemaVersionId: VERSION_ID,
      });
    });

    it('throws SchemaNotFoundError without calling AWS when the id is a Confluent id', async () => {
      const error = await caught(client.getSchemaDefinition('42'));

      expect(error).toBeInstanceOf(SchemaNotFoundError);
      expect((error as SchemaNotFoundError).reason).toBe(SerdeErrorReason.SCHEMA_NOT_FOUND);
      expect((error as SchemaNotFoundError).schemaVersionId).toBe('42');
      expect((error as Error).message).toMatch(/cannot resolve Confluent ids/);
      expect(glueMock.calls()).toHaveLength(0);
    });

    it('throws SchemaNotFoundError without calling AWS when the id is neither a UUID nor a Confluent id', async () => {
      const error = await caught(client.getSchemaDefinition('../etc/passwd'));

      expect(error).toBeInstanceOf(SchemaNotFoundError);
      expect(glueMock.calls()).toHaveLength(0);
    });

    it('throws SchemaNotFoundError when Glue has no such version', async () => {
      const cause = new EntityNotFoundException({ message: 'Schema version is not found.', ...meta });
      glueMock.on(GetSchemaVersionCommand).rejects(cause);

      const error = await caught(client.getSchemaDefinition(VERSION_ID));

      expect(error).toBeInstanceOf(SchemaNotFoundError);
      expect((error as SchemaNotFoundError).reason).toBe(SerdeErrorReason.SCHEMA_NOT_FOUND);
      expect((error as SchemaNotFoundError).schemaVersionId).toBe(VERSION_ID);
      expect((error as Error).cause).toBe(cause);
    });

    it('throws SchemaNotFoundError when Glue refuses the id as invalid input', async () => {
      glueMock.on(GetSchemaVersionCommand).rejects(new InvalidInputException({ message: 'bad id', ...meta }));

      await expect(client.getSchemaDefinition(VERSION_ID)).rejects.toBeInstanceOf(SchemaNotFoundError);
    });

    it('throws SchemaNotFoundError saying so when the version is not AVRO', async () => {
      glueMock.on(GetSchemaVersionCommand).resolves({ SchemaDefinition: '{"type":"object"}', DataFormat: 'JSON' });

      const error = await caught(client.getSchemaDefinition(VERSION_ID));

      expect(error).toBeInstanceOf(SchemaNotFoundError);
      expect((error as Error).message).toMatch(/data format JSON, not AVRO/);
    });

    it('throws SchemaNotFoundError when Glue returns no definition', async () => {
      glueMock.on(GetSchemaVersionCommand).resolves({ DataFormat: 'AVRO' });

      await expect(client.getSchemaDefinition(VERSION_ID)).rejects.toBeInstanceOf(SchemaNotFoundError);
    });

    it.each([
      ['ThrottlingException', new ThrottlingException({ message: 'Rate exceeded', ...meta })],
      ['AccessDeniedException', new AccessDeniedException({ message: 'not authorized', ...meta })],
      ['InternalServiceException (5xx)', new InternalServiceException({ message: 'internal error', ...meta })],
      ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('throws SchemaRegistryUnavailableError with the cause on %s', async (_label, cause) => {
      glueMock.on(GetSchemaVersionCommand).rejects(cause);

      const error = await caught(client.getSchemaDefinition(VERSION_ID));

      expect(error).toBeInstanceOf(SchemaRegistryUnavailableError);
      expect(error).not.toBeInstanceOf(SchemaNotFoundError);
      expect((error as SchemaRegistryUnavailableError).schemaVersionId).toBe(VERSION_ID);
      expect((error as Error).cause).toBe(cause);
    });
  });

  describe('findSchemaVersion', () => {
    it('returns the version whose definition matches, asking within the registry and subject', async () => {
      glueMock.on(GetSchemaByDefinitionCommand).resolves({
        SchemaVersionId: VERSION_ID,
        DataFormat: 'AVRO',
        Status: 'AVAILABLE',
      });

      const found = await client.findSchemaVersion(SUBJECT, DEFINITION);

      expect(found).toStrictEqual({ schemaVersionId: VERSION_ID });
      const calls = glueMock.commandCalls(GetSchemaByDefinitionCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toStrictEqual({
        SchemaId: { RegistryName: REGISTRY, SchemaName: SUBJECT },
        SchemaDefinition: DEFINITION,
      });
    });

    it('returns undefined when Glue has no such definition', async () => {
      glueMock.on(GetSchemaByDefinitionCommand).rejects(new EntityNotFoundException({ message: 'not found', ...meta }));

      await expect(client.findSchemaVersion(SUBJECT, DEFINITION)).resolves.toBeUndefined();
    });

    it('returns undefined when the matching version failed registration', async () => {
      glueMock.on(GetSchemaByDefinitionCommand).resolves({ SchemaVersionId: VERSION_ID, Status: 'FAILURE' });

      await expect(client.findSchemaVersion(SUBJECT, DEFINITION)).resolves.toBeUndefined();
    });

    describe('when Glue has no version of the exact text', () => {
      // The same schema as DEFINITION, printed the way Avro Java prints it: another key order, a namespace split off.
      const JAVA_PRINT = '{"type":"record","name":"Order","namespace":"","fields":[{"name":"id","type":"string"}]}';
      const OTHER = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, { name: 'note', type: ['null', 'string'], default: null }] });
      const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
      const version = (number: number, definition: string, status: SchemaVersionStatus = 'AVAILABLE') => ({ SchemaVersionId: ids[number - 1], VersionNumber: number, SchemaDefinition: definition, Status: status, DataFormat: 'AVRO' as const });

      beforeEach(() => {
        glueMock.on(GetSchemaByDefinitionCommand).rejects(new EntityNotFoundException({ message: 'not found', ...meta }));
      });

      it('finds the newest version that is the same Avro schema printed another way, reading versions newest first', async () => {
        glueMock.on(GetSchemaVersionCommand, { SchemaVersionNumber: { LatestVersion: true } }).resolves(version(3, OTHER));
        glueMock.on(GetSchemaVersionCommand, { SchemaVersionNumber: { VersionNumber: 2 } }).resolves(version(2, JAVA_PRINT));
        glueMock.on(GetSchemaVersionCommand, { SchemaVersionNumber: { VersionNumber: 1 } }).resolves(version(1, DEFINITION));

        const found = await client.findSchemaVersion(SUBJECT, DEFINITION);

        expect(found).toStrictEqual({ schemaVersionId: ids[1], versionNumber: 2 });
        expect(glueMock.commandCalls(GetSchemaVersionCommand).map((c) => c.args[0].input)).toStrictEqual([
          { SchemaId: { RegistryName: REGISTRY, SchemaName: SUBJECT }, SchemaVersionNumber: { LatestVersion: true } },
          { SchemaId: { RegistryName: REGISTRY, SchemaName: SUBJECT }, SchemaVersionNumber: { VersionNumber: 2 } },
        ]);
      });

      it('skips versions Glue rejected, and finds nothing when no version is the same schema', async () => {
        glueMock.on(GetSchemaVersionCommand, { SchemaVersionNumber: { LatestVersion: true } }).resolves(version(2, JAVA_PRINT, 'FAILURE'));
        glueMock.on(GetSchemaVersionCommand, { SchemaVersionNumber: { VersionNumber: 1 } }).resolves(version(1, OTHER));

        await expect(client.findSchemaVersion(SUBJECT, DEFINITION)).resolves.toBeUndefined();
        expect(glueMock.commandCalls(GetSchemaVersionCommand)).toHaveLength(2);
      });

      it('reads no version for a definition that is not Avro, since none can match it', async () => {
        await expect(client.findSchemaVersion(SUBJECT, '{"type":"nope"}')).resolves.toBeUndefined();
        expect(glueMock.commandCalls(GetSchemaVersionCommand)).toHaveLength(0);
      });

      it('finds nothing for a subject Glue does not have, and reports Glue being unreachable as UNAVAILABLE', async () => {
        glueMock.on(GetSchemaVersionCommand).rejectsOnce(new EntityNotFoundException({ message: 'no such schema', ...meta }));
        await expect(client.findSchemaVersion(SUBJECT, DEFINITION)).resolves.toBeUndefined();

        glueMock.on(GetSchemaVersionCommand).rejects(new ThrottlingException({ message: 'slow down', ...meta }));
        const error = await caught(client.findSchemaVersion(SUBJECT, DEFINITION));
        expect(error).toBeInstanceOf(SchemaRegistrationError);
        expect(error).toMatchObject({ reason: SchemaRegistrationErrorReason.UNAVAILABLE, subject: SUBJECT });
      });
    });

    it('throws SchemaRegistrationError UNAVAILABLE naming the subject when Glue is throttling', async () => {
      glueMock.on(GetSchemaByDefinitionCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta }));

      const error = await caught(client.findSchemaVersion(SUBJECT, DEFINITION));

      expect(error).toBeInstanceOf(SchemaRegistrationError);
      expect((error as SchemaRegistrationError).reason).toBe(SchemaRegistrationErrorReason.UNAVAILABLE);
      expect((error as SchemaRegistrationError).subject).toBe(SUBJECT);
      expect((error as Error).message).toMatch(/orders-value.*Rate exceeded/);
    });
  });

  describe('registerSchemaVersion', () => {
    it('returns the new version, sending the registry, subject and definition', async () => {
      glueMock.on(RegisterSchemaVersionCommand).resolves({
        SchemaVersionId: VERSION_ID,
        VersionNumber: 4,
        Status: 'AVAILABLE',
      });

      const registered = await client.registerSchemaVersion(SUBJECT, DEFINITION);

      expect(registered).toStrictEqual({ schemaVersionId: VERSION_ID, versionNumber: 4, status: 'AVAILABLE' });
      const calls = glueMock.commandCalls(RegisterSchemaVersionCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toStrictEqual({
        SchemaId: { RegistryName: REGISTRY, SchemaName: SUBJECT },
        SchemaDefinition: DEFINITION,
      });
    });

    it('returns a PENDING version as pending', async () => {
      glueMock.on(RegisterSchemaVersionCommand).resolves({ SchemaVersionId: VERSION_ID, VersionNumber: 5, Status: 'PENDING' });

      await expect(client.registerSchemaVersion(SUBJECT, DEFINITION)).resolves.toMatchObject({ status: 'PENDING' });
    });

    it('reads the version number back when Glue leaves it out', async () => {
      glueMock.on(RegisterSchemaVersionCommand).resolves({ SchemaVersionId: VERSION_ID, Status: 'AVAILABLE' });
      glueMock.on(GetSchemaVersionCommand).resolves({ SchemaVersionId: VERSION_ID, VersionNumber: 7, DataFormat: 'AVRO' });

      const registered = await client.registerSchemaVersion(SUBJECT, DEFINITION);

      expect(registered.versionNumber).toBe(7);
      expect(glueMock.commandCalls(GetSchemaVersionCommand)[0]?.args[0].input).toStrictEqual({
        SchemaVersionId: VERSION_ID,
      });
    });

    it('throws SchemaRegistrationError REJECTED naming the subject when the status is FAILURE', async () => {
      glueMock.on(RegisterSchemaVersionCommand).resolves({ SchemaVersionId: VERSION_ID, VersionNumber: 6, Status: 'FAILURE' });

      const error = await caught(client.registerSchemaVersion(SUBJECT, DEFINITION));

      expect(error).toBeInstanceOf(SchemaRegistrationError);
      expect((error as SchemaRegistrationError).reason).toBe(SchemaRegistrationErrorReason.REJECTED);
      expect((error as SchemaRegistrationError).subject).toBe(SUBJECT);
      expect((error as SchemaRegistrationError).schemaVersionId).toBe(VERSION_ID);
      expect((error as Error).message).toMatch(/orders-value/);
    });

    it("throws SchemaRegistrationError INVALID_SCHEMA with Glue's message on a validation error", async () => {
      const cause = new InvalidInputException({ message: 'Schema definition is not a valid Avro schema', ...meta });
      glueMock.on(RegisterSchemaVersionCommand).rejects(cause);

      const error = await caught(client.registerSchemaVersion(SUBJECT, '{"type":'));

      expect(error).toBeInstanceOf(SchemaRegistrationError);
      expect((error as SchemaRegistrationError).reason).toBe(SchemaRegistrationErrorReason.INVALID_SCHEMA);
      expect((error as Error).message).toMatch(/orders-value.*not a valid Avro schema/);
      expect((error as Error).cause).toBe(cause);
    });

    it.each([
      [
        'EntityNotFoundException',
        new EntityNotFoundException({ message: 'Schema is not found', ...meta }),
        SchemaRegistrationErrorReason.SCHEMA_NOT_FOUND,
      ],
      [
        'ResourceNumberLimitExceededException',
        new ResourceNumberLimitExceededException({ message: 'too many versions', ...meta }),
        SchemaRegistrationErrorReason.LIMIT_EXCEEDED,
      ],
      [
        'AccessDeniedException',
        new AccessDeniedException({ message: 'not authorized', ...meta }),
        SchemaRegistrationErrorReason.UNAVAILABLE,
      ],
    ])('throws SchemaRegistrationError on %s', async (_label, cause, reason) => {
      glueMock.on(RegisterSchemaVersionCommand).rejects(cause);

      const error = await caught(client.registerSchemaVersion(SUBJECT, DEFINITION));

      expect(error).toBeInstanceOf(SchemaRegistrationError);
      expect((error as SchemaRegistrationError).reason).toBe(reason);
    });
  });
});
