/** A record too late for every window it belongs to; it is dead-lettered as LATE_EVENT. */
export class LateEventError extends Error {
  public override readonly name = 'LateEventError';
  public readonly reason = 'LATE_EVENT';
  public constructor(
    public readonly eventTime: number,
    public readonly watermark: number,
  ) {
    super(
      `Event time ${new Date(eventTime).toISOString()} is too late: the partition's watermark is ${
        Number.isFinite(watermark) ? new Date(watermark).toISOString() : String(watermark)
      } and every window the record belongs to has closed`,
    );
  }
}

/** A partition could not commit after every retry; it is redelivered from `offset`. */
export class PartitionCommitError extends Error {
  public override readonly name = 'PartitionCommitError';
  public readonly reason = 'COMMIT_FAILED';
}
