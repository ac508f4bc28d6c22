import type { SendFailure } from '../sqs/send-message-batch-results.js';

/**
 * Why closed windows could not be announced. The window closer lets these
 * propagate, so a window is never marked closed without its announcement.
 */
export const WindowEmitErrorReason = {
  /** SQS refused entries (or the request itself failed) and retrying did not help. */
  SEND_FAILED: 'SEND_FAILED',
  /** An emission's body is over the SQS message size limit; nothing was sent. */
  TOO_LARGE: 'TOO_LARGE',
} as const;
export type WindowEmitErrorReason = (typeof WindowEmitErrorReason)[keyof typeof WindowEmitErrorReason];

/** Every emitter error's reason: why an emit failed, or why an emitter could not be built. */
export const WindowEmitterErrorReason = {
  ...WindowEmitErrorReason,
  /** An emitter was constructed with a prop it cannot work with. */
  INVALID_PROP: 'INVALID_PROP',
} as const;
export type WindowEmitterErrorReason = (typeof WindowEmitterErrorReason)[keyof typeof WindowEmitterErrorReason];

/** The first thing that went wrong, as the service (or our own check) reported it. */
export type WindowEmitFailure = SendFailure;

/** Base class of every emitter error; `reason` says which kind. */
export abstract class WindowEmitterError extends Error {
  public abstract readonly reason: WindowEmitterErrorReason;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Some emissions were not accepted. `unsentCount` says how many, so a
 * partial success is never mistaken for a complete one.
 */
export class WindowEmitError extends WindowEmitterError {
  public override readonly name = 'WindowEmitError';
  public readonly reason: WindowEmitErrorReason;
  /** Emissions not confirmed by the queue (some may still have arrived: deduplication makes re-sending them safe). */
  public readonly unsentCount: number;
  /** Emissions handed to the call. */
  public readonly totalCount: number;
  public readonly firstFailure: WindowEmitFailure;

  public constructor(
    message: string,
    options: { reason: WindowEmitErrorReason; unsentCount: number; totalCount: number; firstFailure: WindowEmitFailure; cause?: unknown },
  ) {
    super(message, options);
    this.reason = options.reason;
    this.unsentCount = options.unsentCount;
    this.totalCount = options.totalCount;
    this.firstFailure = options.firstFailure;
  }
}

/** An emitter was constructed with a prop it cannot work with; `prop` and `value` say which. */
export class WindowEmitterConfigError extends WindowEmitterError {
  public override readonly name = 'WindowEmitterConfigError';
  public readonly reason = WindowEmitterErrorReason.INVALID_PROP;
  public constructor(
    message: string,
    public readonly prop: string,
    public readonly value: unknown,
  ) {
    super(message);
  }
}
