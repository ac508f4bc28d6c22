/**
 * Base class of every error the Lambda emulator raises (the event source
 * mapping, the MSK events it builds, the processor it runs); `reason` says
 * which.
 */
export abstract class LambdaEmulatorError extends Error {
  public abstract readonly reason: string;
}
