import type { SendFailure } from '../sqs/send-message-batch-results.js';

/** Why dead letters could not be written; each one fails the invocation so the batch is retried. */
export const DeadLetterWriteErrorReason = {
  /** SQS refused entries (or the request itself failed) and retrying did not help. */
  SEND_FAILED: 'SEND_FAILED',
  /** A dead letter is over the SQS size limit and there is nowhere to offload it. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An oversized dead letter could not be stored in S3. */
  OFFLOAD_FAILED: 'OFFLOAD_FAILED',
} as const;
export type DeadLetterWriteErrorReason = (typeof DeadLetterWriteErrorReason)[keyof typeof DeadLetterWriteErrorReason];

/** Every dead-letter error's reason: why a write failed, or what else went wrong. */
export const DeadLetterErrorReason = {
  ...DeadLetterWriteErrorReason,
  /** A message body is not a dead-letter envelope. */
  INVALID_DEAD_LETTER: 'INVALID_DEAD_LETTER',
  /** An offloaded dead letter could not be read back, or is not the one its pointer names. */
  RESOLVE_FAILED: 'RESOLVE_FAILED',
  /** A writer was constructed with a prop it cannot work with. */
  INVALID_PROP: 'INVALID_PROP',
} as const;
export type DeadLetterErrorReason = (typeof DeadLetterErrorReason)[keyof typeof DeadLetterErrorReason];

/** The first thing that went wrong, as the service (or our own check) reported it. */
export type DeadLetterFailure = SendFailure;

/** Base class of every dead-letter error; `reason` says which kind. */
export abstract class DeadLetterError extends Error {
  public abstract readonly reason: DeadLetterErrorReason;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Some dead letters were not written. `unsentCount` says how many, so a
 * partial success is never mistaken for a complete one; the caller must fail
 * the invocation, because those records exist nowhere else.
 */
export class DeadLetterWriteError extends DeadLetterError {
  public override readonly name = 'DeadLetterWriteError';
  public readonly reason: DeadLetterWriteErrorReason;
  /** Dead letters that did not reach the queue. */
  public readonly unsentCount: number;
  /** Dead letters handed to the write. */
  public readonly totalCount: number;
  public readonly firstFailure: DeadLetterFailure | undefined;

  public constructor(
    message: string,
    options: {
      reason: DeadLetterWriteErrorReason;
      unsentCount: number;
      totalCount: number;
      firstFailure?: DeadLetterFailure;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.reason = options.reason;
    this.unsentCount = options.unsentCount;
    this.totalCount = options.totalCount;
    this.firstFailure = options.firstFailure;
  }
}

/** A message body is not a dead-letter envelope; `field` is the path of the first bad field. */
export class InvalidDeadLetterError extends DeadLetterError {
  public override readonly name = 'InvalidDeadLetterError';
  public readonly reason = DeadLetterErrorReason.INVALID_DEAD_LETTER;
  public constructor(
    message: string,
    public readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An offloaded dead letter's payload could not be read back from S3, or is not the one the pointer names. */
export class DeadLetterResolveError extends DeadLetterError {
  public override readonly name = 'DeadLetterResolveError';
  public readonly reason = DeadLetterErrorReason.RESOLVE_FAILED;
  public constructor(
    message: string,
    public readonly bucket: string,
    public readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A writer was constructed with a prop it cannot work with; `prop` and `value` say which. */
export class DeadLetterWriterConfigError extends DeadLetterError {
  public override readonly name = 'DeadLetterWriterConfigError';
  public readonly reason = DeadLetterErrorReason.INVALID_PROP;
  public constructor(
    message: string,
    public readonly prop: string,
    public readonly value: unknown,
  ) {
    super(message);
  }
}
