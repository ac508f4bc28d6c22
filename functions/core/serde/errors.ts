/**
 * The errors of the serde module. Every error it throws is a
 * `SerdeModuleError` whose `reason` says which kind it is; two kinds decide
 * what becomes of a record:
 * - a `SerdeError` (DecodeError, SchemaNotFoundError, SchemaValidationError)
 *   is a record at fault: it is dead-lettered under its `reason` and the
 *   partition goes on;
 * - a `SchemaRegistryUnavailableError` is the registry at fault, not the
 *   record: the invocation fails so that the batch is retried.
 * The others are about schemas, registration and arguments, for the CLI, CI
 * and code that builds decoders. Errors from libraries and the caller's own
 * code (the AWS SDK, the file system, avsc) pass through unchanged, or as
 * the `cause` of one of these.
 */

/**
 * Why a record could not be turned into a value. Each reason is also the
 * dead-letter reason the record is parked under.
 */
export const SerdeErrorReason = {
  /** The bytes are not a known wire format, or not valid for their schema. */
  DECODE_ERROR: 'DECODE_ERROR',
  /** The writer schema named by the record is not in the registry. */
  SCHEMA_NOT_FOUND: 'SCHEMA_NOT_FOUND',
  /** The record decoded, but does not fit the reader schema. */
  VALIDATION_ERROR: 'VALIDATION_ERROR',
} as const;
export type SerdeErrorReason = (typeof SerdeErrorReason)[keyof typeof SerdeErrorReason];

/** Why a schema given as text or JSON is not one. */
export const InvalidSchemaErrorReason = {
  /** The text is not JSON. */
  NOT_JSON: 'NOT_JSON',
  /** The JSON is not a valid Avro schema (as Avro Java's Schema.Parser judges it, see `schema-parser.ts`). */
  NOT_AVRO: 'NOT_AVRO',
} as const;
export type InvalidSchemaErrorReason = (typeof InvalidSchemaErrorReason)[keyof typeof InvalidSchemaErrorReason];

/** Why a schema version could not be registered (or looked up for registration). */
export const SchemaRegistrationErrorReason = {
  /** Glue created the version with status FAILURE, usually because it breaks the schema's compatibility mode. */
  REJECTED: 'REJECTED',
  /** Glue refused the request as invalid, e.g. the definition is not valid Avro. */
  INVALID_SCHEMA: 'INVALID_SCHEMA',
  /** The schema (subject) or registry does not exist; registering a version does not create it. */
  SCHEMA_NOT_FOUND: 'SCHEMA_NOT_FOUND',
  /** The schema already has as many versions as Glue allows. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** Glue could not be asked or gave no usable answer (throttled, 5xx, network, access denied); retrying may help. */
  UNAVAILABLE: 'UNAVAILABLE',
} as const;
export type SchemaRegistrationErrorReason = (typeof SchemaRegistrationErrorReason)[keyof typeof SchemaRegistrationErrorReason];

/** Every reason a serde error can give; each error class below gives some of them. */
export const SerdeModuleErrorReason = {
  ...SerdeErrorReason,
  /** The registry could not be asked (throttled, unreachable, access denied); not the record's fault. */
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  ...InvalidSchemaErrorReason,
  /** Valid Avro that the pipeline's decoder (avsc) cannot hold. */
  UNSUPPORTED_SCHEMA: 'UNSUPPORTED_SCHEMA',
  ...SchemaRegistrationErrorReason,
  /** The schemas/ folder is not laid out as the catalog expects, or holds a schema the decoder cannot take. */
  INVALID_CATALOG: 'INVALID_CATALOG',
  /** A function or constructor was given an argument it cannot work with. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
} as const;
export type SerdeModuleErrorReason = (typeof SerdeModuleErrorReason)[keyof typeof SerdeModuleErrorReason];

/** Base class of every error the serde module throws; `reason` says which kind it is. */
export abstract class SerdeModuleError extends Error {
  public abstract readonly reason: SerdeModuleErrorReason;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

// --- a record at fault: dead-lettered ----------------------------------------

/** Base class of the errors that make a record a poison record; `reason` is its dead-letter reason. */
export abstract class SerdeError extends SerdeModuleError {
  public abstract override readonly reason: SerdeErrorReason;
  /** The writer schema, when the record named one. */
  public readonly schemaVersionId: string | undefined;

  protected constructor(message: string, options?: { cause?: unknown; schemaVersionId?: string }) {
    super(message, options);
    this.schemaVersionId = options?.schemaVersionId;
  }
}

export class DecodeError extends SerdeError {
  public override readonly name = 'DecodeError';
  public readonly reason = SerdeErrorReason.DECODE_ERROR;
  public constructor(message: string, options?: { cause?: unknown; schemaVersionId?: string }) {
    super(message, options);
  }
}

export class SchemaNotFoundError extends SerdeError {
  public override readonly name = 'SchemaNotFoundError';
  public readonly reason = SerdeErrorReason.SCHEMA_NOT_FOUND;
  public constructor(message: string, options: { cause?: unknown; schemaVersionId: string }) {
    super(message, options);
  }
}

export class SchemaValidationError extends SerdeError {
  public override readonly name = 'SchemaValidationError';
  public readonly reason = SerdeErrorReason.VALIDATION_ERROR;
  public constructor(message: string, options?: { cause?: unknown; schemaVersionId?: string }) {
    super(message, options);
  }
}

// --- the registry at fault: the batch is retried ------------------------------

/**
 * The registry could not be asked (throttled, unreachable, access denied).
 * Not a poison record: the invocation fails so the batch is retried.
 */
export class SchemaRegistryUnavailableError extends SerdeModuleError {
  public override readonly name = 'SchemaRegistryUnavailableError';
  public readonly reason = SerdeModuleErrorReason.REGISTRY_UNAVAILABLE;
  public constructor(
    message: string,
    public readonly schemaVersionId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// --- schemas -------------------------------------------------------------------

/** Text given as JSON is not JSON; the message names the offset of the first problem. */
export class JsonSyntaxError extends SerdeModuleError {
  public override readonly name = 'JsonSyntaxError';
  public readonly reason = InvalidSchemaErrorReason.NOT_JSON;
  public constructor(message: string) {
    super(message);
  }
}

/** A schema Avro Java would refuse; the message says which type or field and why. */
export class SchemaParseError extends SerdeModuleError {
  public override readonly name = 'SchemaParseError';
  public readonly reason = InvalidSchemaErrorReason.NOT_AVRO;
  public constructor(message: string) {
    super(message);
  }
}

/** A schema that is valid Avro, but that the pipeline's decoder cannot read; the message names what and why. */
export class UnsupportedSchemaError extends SerdeModuleError {
  public override readonly name = 'UnsupportedSchemaError';
  public readonly reason = SerdeModuleErrorReason.UNSUPPORTED_SCHEMA;
  public constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A schema given to the compatibility checker is not valid Avro; `schema` says which one. */
export class InvalidSchemaError extends SerdeModuleError {
  public override readonly name = 'InvalidSchemaError';
  public constructor(
    message: string,
    public readonly reason: InvalidSchemaErrorReason,
    /** Which schema: "the new schema", "version 2", "the reader schema". */
    public readonly schema: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class SchemaRegistrationError extends SerdeModuleError {
  public override readonly name = 'SchemaRegistrationError';
  public readonly reason: SchemaRegistrationErrorReason;
  /** The schema name in the registry. */
  public readonly subject: string;
  /** The version Glue created, when it created one (status FAILURE). */
  public readonly schemaVersionId: string | undefined;

  public constructor(
    message: string,
    options: { reason: SchemaRegistrationErrorReason; subject: string; schemaVersionId?: string; cause?: unknown },
  ) {
    super(message, options);
    this.reason = options.reason;
    this.subject = options.subject;
    this.schemaVersionId = options.schemaVersionId;
  }
}

/** A file or folder of the schemas/ catalog is not as the catalog expects; `file` says which. */
export class SubjectCatalogError extends SerdeModuleError {
  public override readonly name = 'SubjectCatalogError';
  public readonly reason = SerdeModuleErrorReason.INVALID_CATALOG;
  public constructor(
    message: string,
    public readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// --- the caller at fault ----------------------------------------------------------

/** A function or constructor was given an argument it cannot work with; `argument` and `value` say which. */
export class SerdeArgumentError extends SerdeModuleError {
  public override readonly name = 'SerdeArgumentError';
  public readonly reason = SerdeModuleErrorReason.INVALID_ARGUMENT;
  public constructor(
    message: string,
    public readonly argument: string,
    public readonly value: unknown,
  ) {
    super(message);
  }
}
