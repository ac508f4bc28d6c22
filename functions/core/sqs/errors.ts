import type { SendFailure } from './send-message-batch-results.js';

/** Why messages could not be sent to SQS in batches. */
export const SqsBatchErrorReason = {
  /** SQS refused entries (or a request failed) and retrying did not help. */
  SEND_FAILED: 'SEND_FAILED',
  /** A message is over the request size limit on its own; nothing was sent. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The batch writer was constructed with a prop it cannot work with. */
  INVALID_PROP: 'INVALID_PROP',
} as const;
export type SqsBatchErrorReason = (typeof SqsBatchErrorReason)[keyof typeof SqsBatchErrorReason];

/** A message that did not reach the queue: its place in the send, and what stopped it. */
export interface UnsentMessage {
  readonly index: number;
  readonly failure: SendFailure;
}

/** An oversized message: its place in the send and its size as SQS counts it. */
export interface OversizedMessage {
  readonly index: number;
  readonly bytes: number;
}

/** Base class of every SQS batch writer error; `reason` says which kind. */
export abstract class SqsBatchError extends Error {
  public abstract readonly reason: SqsBatchErrorReason;

  protected constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

/**
 * Some messages were not confirmed by SQS. `unsent` names each of them in
 * send order, so a partial success is never mistaken for a complete one.
 * `cause` is the request error that stopped the send, when one did.
 */
export class SqsBatchSendError extends SqsBatchError {
  public override readonly name = 'SqsBatchSendError';
  public readonly reason = SqsBatchErrorReason.SEND_FAILED;
  public readonly unsent: readonly UnsentMessage[];
  /** Messages handed to the send. */
  public readonly totalCount: number;
  /** The most attempts any request of the unsent messages took. */
  public readonly attempts: number;
  /** The failure that matters most: a request error, else a sender fault, else the first failure. */
  public readonly firstFailure: SendFailure;

  public constructor(
    message: string,
    options: { unsent: readonly UnsentMessage[]; totalCount: number; attempts: number; firstFailure: SendFailure; cause?: unknown },
  ) {
    super(message, options);
    this.unsent = options.unsent;
    this.totalCount = options.totalCount;
    this.attempts = options.attempts;
    this.firstFailure = options.firstFailure;
  }
}

/** Messages too large for one request on their own; checked before anything is sent. */
export class SqsMessageTooLargeError extends SqsBatchError {
  public override readonly name = 'SqsMessageTooLargeError';
  public readonly reason = SqsBatchErrorReason.MESSAGE_TOO_LARGE;

  public constructor(
    message: string,
    public readonly oversized: readonly OversizedMessage[],
    public readonly maxBytes: number,
  ) {
    super(message);
  }
}

/** The batch writer was constructed with a prop it cannot work with; `prop` and `value` say which. */
export class SqsBatchConfigError extends SqsBatchError {
  public override readonly name = 'SqsBatchConfigError';
  public readonly reason = SqsBatchErrorReason.INVALID_PROP;
  /** What is wrong, without the class name, as in "maxAttempts must be an integer of 1 or more, got 0". */
  public readonly detail: string;

  public constructor(
    public readonly prop: string,
    public readonly value: unknown,
    requirement: string,
  ) {
    const detail = `${prop} must be ${requirement}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
    super(`SqsBatchWriter: ${detail}`);
    this.detail = detail;
  }
}
