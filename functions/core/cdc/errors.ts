/**
 * Why a record could not be turned into a change event. The processor
 * decides what a failure costs (usually: dead-letter the record as a
 * validation error); these codes say what was wrong with it.
 */
export const ChangeEventErrorReason = {
  /** The value is not a change record of the expected format at all. */
  NOT_A_CHANGE_EVENT: 'NOT_A_CHANGE_EVENT',
  /** A key column is absent (or null) in the row image the key is read from. */
  MISSING_KEY_COLUMN: 'MISSING_KEY_COLUMN',
  /** A key column holds a value that has no exact canonical form (object, NaN, a number that lost precision). */
  INVALID_KEY_VALUE: 'INVALID_KEY_VALUE',
  /** The record carries no log position to order it by. */
  MISSING_POSITION: 'MISSING_POSITION',
  /** The log position is malformed or outside the bounds the encoding assumes. */
  INVALID_POSITION: 'INVALID_POSITION',
  /** The operation cannot be applied row by row (truncate), or is unknown. */
  UNSUPPORTED_OPERATION: 'UNSUPPORTED_OPERATION',
  /** The record comes from a connector whose log positions are not understood (only Postgres and MySQL are). */
  UNSUPPORTED_SOURCE: 'UNSUPPORTED_SOURCE',
} as const;
export type ChangeEventErrorReason = (typeof ChangeEventErrorReason)[keyof typeof ChangeEventErrorReason];

/** Base class of every error the CDC parsers raise; `reason` says which. */
export abstract class CdcError extends Error {
  public abstract readonly reason: ChangeEventErrorReason | typeof CdcOptionError.REASON;
}

/**
 * A parser option that cannot work, such as no key columns. It is a bug in
 * the processor definition, not a bad record.
 */
export class CdcOptionError extends CdcError {
  public static readonly REASON = 'INVALID_OPTION';
  public override readonly name = 'CdcOptionError';
  public readonly reason = CdcOptionError.REASON;
}

/**
 * A record that is not a usable change event. The message names the field
 * (`after.sku`, `source.lsn`, `metadata.operation`) and describes a wrong
 * value by its type only, so row data never reaches logs through it.
 */
export class ChangeEventError extends CdcError {
  public override readonly name = 'ChangeEventError';
  public readonly reason: ChangeEventErrorReason;
  /** Path of the offending field within the record value; undefined when the value as a whole is at fault. */
  public readonly field: string | undefined;

  public constructor(reason: ChangeEventErrorReason, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.field = options?.field;
  }
}
