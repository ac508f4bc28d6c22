/** Why the engine refused a record, a definition, an option or a commit. */
export const EngineErrorReason = {
  /** A record too late for every window of a view it targets. */
  LATE_EVENT: 'LATE_EVENT',
  /** A user function threw or returned what state cannot hold, or the record would overfill an item. */
  PROCESSING_ERROR: 'PROCESSING_ERROR',
  /** A processor definition that cannot run. */
  INVALID_DEFINITION: 'INVALID_DEFINITION',
  /** An engine option out of its range. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A partition could not commit after every retry. */
  COMMIT_FAILED: 'COMMIT_FAILED',
} as const;
export type EngineErrorReason = (typeof EngineErrorReason)[keyof typeof EngineErrorReason];

/** Base class of every error the engine raises; `reason` says which. */
export abstract class EngineError extends Error {
  public abstract readonly reason: EngineErrorReason;
}

/**
 * A record too late for every window of a view it targets; it is
 * dead-lettered as LATE_EVENT, the late-events side output. `views` names
 * the views that missed it; `appliedElsewhere` says whether other views of
 * the processor took it (then replaying the letter must not re-apply it to
 * them, which event-id dedup guarantees).
 */
export class LateEventError extends EngineError {
  public override readonly name = 'LateEventError';
  public readonly reason = EngineErrorReason.LATE_EVENT;
  public constructor(
    public readonly eventTime: number,
    public readonly watermark: number,
    public readonly views: readonly string[] = [],
    public readonly appliedElsewhere = false,
  ) {
    super(
      `Event time ${new Date(eventTime).toISOString()} is too late: the partition's watermark is ${
        Number.isFinite(watermark) ? new Date(watermark).toISOString() : String(watermark)
      } and ${views.length === 0 ? 'every window the record belongs to has closed' : `every window of ${views.join(', ')} it belongs to has closed`}${
        appliedElsewhere ? '; the record was applied to the processor\'s other views' : ''
      }`,
    );
  }
}

/**
 * A record the processor's functions could not turn into state: a user
 * function returned nonsense, or a thrown value that was not an Error
 * (thrown Errors are kept as the user threw them).
 */
export class ProcessingError extends EngineError {
  public override readonly name = 'ProcessingError';
  public readonly reason = EngineErrorReason.PROCESSING_ERROR;

  /** What a user function threw, as an Error. */
  public static from(thrown: unknown): Error {
    return thrown instanceof Error ? thrown : new ProcessingError(String(thrown));
  }
}

/** A processor definition that cannot run, named with what is wrong. */
export class ProcessorDefinitionError extends EngineError {
  public override readonly name = 'ProcessorDefinitionError';
  public readonly reason = EngineErrorReason.INVALID_DEFINITION;
}

/** An engine option out of its range, named with what it got. */
export class EngineOptionError extends EngineError {
  public override readonly name = 'EngineOptionError';
  public readonly reason = EngineErrorReason.INVALID_OPTION;
}

/** A partition could not commit after every retry; it is redelivered from `offset`. */
export class PartitionCommitError extends EngineError {
  public override readonly name = 'PartitionCommitError';
  public readonly reason = EngineErrorReason.COMMIT_FAILED;
}
