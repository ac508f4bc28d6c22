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

/** Base class of every serialization error; `reason` says how to treat it. */
export abstract class SerdeError extends Error {
  public abstract readonly reason: SerdeErrorReason;
  /** The writer schema, when the record named one. */
  public readonly schemaVersionId: string | undefined;

  protected constructor(message: string, options?: { cause?: unknown; schemaVersionId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
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

/**
 * The registry could not be asked (throttled, unreachable, access denied).
 * Not a poison record: the invocation fails so the batch is retried.
 */
export class SchemaRegistryUnavailableError extends Error {
  public override readonly name = 'SchemaRegistryUnavailableError';
  public constructor(
    message: string,
    public readonly schemaVersionId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
