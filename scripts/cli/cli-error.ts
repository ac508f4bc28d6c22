/** An error the CLI reports as one line on stderr, without a stack, and exits non-zero. */
export class CliError extends Error {
  public override readonly name = 'CliError';
  public constructor(
    message: string,
    public readonly exitCode = 1,
  ) {
    super(message);
  }
}
