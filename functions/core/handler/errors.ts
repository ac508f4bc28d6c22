/**
 * A processor's environment (its table, queue, partition count) that
 * cannot work: the function fails at its first invocation, naming what is
 * wrong, rather than processing records into the wrong place.
 */
export class ProcessorConfigurationError extends Error {
  public override readonly name = 'ProcessorConfigurationError';
  public readonly reason = 'INVALID_ENVIRONMENT';
}
