/**
 * Base class of every error the reference pipeline raises (provisioning,
 * its schemas, the retail database, the workload); `reason` says which.
 */
export abstract class ReferencePipelineError extends Error {
  public abstract readonly reason: string;
}

export const ReferenceInputErrorReason = {
  /** An option or argument out of its range, named with what was given. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** A service or the workload answered with something the pipeline cannot go on from. */
  UNEXPECTED_ANSWER: 'UNEXPECTED_ANSWER',
} as const;
export type ReferenceInputErrorReason = (typeof ReferenceInputErrorReason)[keyof typeof ReferenceInputErrorReason];

/** What the reference pipeline was given, or got back, that it cannot work with. */
export class ReferenceInputError extends ReferencePipelineError {
  public override readonly name = 'ReferenceInputError';
  public constructor(
    message: string,
    public readonly reason: ReferenceInputErrorReason,
  ) {
    super(message);
  }
}
