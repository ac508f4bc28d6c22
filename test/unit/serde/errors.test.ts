import { describe, expect, it } from 'vitest';
import {
  DecodeError,
  InvalidSchemaError,
  InvalidSchemaErrorReason,
  JsonSyntaxError,
  SchemaNotFoundError,
  SchemaParseError,
  SchemaRegistrationError,
  SchemaRegistrationErrorReason,
  SchemaRegistryUnavailableError,
  SchemaValidationError,
  SerdeArgumentError,
  SerdeError,
  SerdeErrorReason,
  SerdeModuleError,
  SerdeModuleErrorReason,
  SubjectCatalogError,
  UnsupportedSchemaError,
} from '../../../functions/core/serde/errors.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';

const ID = '8e2c1f4a-3b5d-4c6e-9f70-1a2b3c4d5e6f';

/** One of each error the serde module throws, with the reason it gives. */
const EVERY_ERROR: readonly (readonly [SerdeModuleError, SerdeModuleErrorReason])[] = [
  [new DecodeError('corrupt'), SerdeErrorReason.DECODE_ERROR],
  [new SchemaNotFoundError('missing', { schemaVersionId: ID }), SerdeErrorReason.SCHEMA_NOT_FOUND],
  [new SchemaValidationError('does not fit'), SerdeErrorReason.VALIDATION_ERROR],
  [new SchemaRegistryUnavailableError('throttled', ID), SerdeModuleErrorReason.REGISTRY_UNAVAILABLE],
  [new JsonSyntaxError('an unexpected end at position 0 of the JSON text'), InvalidSchemaErrorReason.NOT_JSON],
  [new SchemaParseError('a record has no name'), InvalidSchemaErrorReason.NOT_AVRO],
  [new UnsupportedSchemaError('an enum without symbols'), SerdeModuleErrorReason.UNSUPPORTED_SCHEMA],
  [new InvalidSchemaError('not Avro', InvalidSchemaErrorReason.NOT_AVRO, 'the new schema'), InvalidSchemaErrorReason.NOT_AVRO],
  [new SchemaRegistrationError('rejected', { reason: SchemaRegistrationErrorReason.REJECTED, subject: 'orders' }), SchemaRegistrationErrorReason.REJECTED],
  [new SubjectCatalogError('no v1.avsc', 'schemas/orders'), SerdeModuleErrorReason.INVALID_CATALOG],
  [new SerdeArgumentError('max must be a positive integer', 'max', 0), SerdeModuleErrorReason.INVALID_ARGUMENT],
];

describe('the serde error family', () => {
  it.each(EVERY_ERROR.map(([error, reason]) => [error.name, error, reason] as const))('%s is a SerdeModuleError named after its class, with its reason', (name, error, reason) => {
    expect(error).toBeInstanceOf(SerdeModuleError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error.reason).toBe(reason);
    expect(Object.values(SerdeModuleErrorReason)).toContain(error.reason);
  });

  it('makes only the record-at-fault errors SerdeErrors, whose reason is a dead-letter reason', () => {
    const poison = EVERY_ERROR.map(([error]) => error).filter((error) => error instanceof SerdeError);

    expect(poison.map((error) => error.name)).toEqual(['DecodeError', 'SchemaNotFoundError', 'SchemaValidationError']);
    for (const error of poison) expect(Object.values(DeadLetterReason)).toContain(error.reason);
  });

  it('keeps a registry outage out of the poison-record errors, so the batch is retried rather than the record parked', () => {
    const outage = new SchemaRegistryUnavailableError('throttled', ID, { cause: new Error('ThrottlingException') });

    expect(outage).not.toBeInstanceOf(SerdeError);
    expect(outage.schemaVersionId).toBe(ID);
    expect(outage.cause).toEqual(new Error('ThrottlingException'));
  });

  it('sets a cause only when one is given', () => {
    expect('cause' in new DecodeError('corrupt')).toBe(false);
    expect(new DecodeError('corrupt', { cause: 'bytes', schemaVersionId: ID })).toMatchObject({ cause: 'bytes', schemaVersionId: ID });
  });
});
