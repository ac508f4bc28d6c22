/**
 * A record too late for every window of a view it targets; it is
 * dead-lettered as LATE_EVENT, the late-events side output. `views` names
 * the views that missed it; `appliedElsewhere` says whether other views of
 * the processor took it (then replaying the letter must not re-apply it to
 * them, which event-id dedup guarantees).
 */
export class LateEventError extends Error {
  public override readonly name = 'LateEventError';
  public readonly reason = 'LATE_EVENT';
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

/** An engine option out of its range, named with what it got. */
export class EngineOptionError extends Error {
  public override readonly name = 'EngineOptionError';
  public readonly reason = 'INVALID_OPTION';
}

/** A partition could not commit after every retry; it is redelivered from `offset`. */
export class PartitionCommitError extends Error {
  public override readonly name = 'PartitionCommitError';
  public readonly reason = 'COMMIT_FAILED';
}
