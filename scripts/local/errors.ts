/** Why a local service could not be installed or started. */
export const LocalStackErrorReason = {
  JAVA_MISSING: 'JAVA_MISSING',
  MAVEN_MISSING: 'MAVEN_MISSING',
  PYTHON_MISSING: 'PYTHON_MISSING',
  FETCH_FAILED: 'FETCH_FAILED',
  START_FAILED: 'START_FAILED',
  START_TIMEOUT: 'START_TIMEOUT',
  PORT_IN_USE: 'PORT_IN_USE',
} as const;
export type LocalStackErrorReason = (typeof LocalStackErrorReason)[keyof typeof LocalStackErrorReason];

export class LocalStackError extends Error {
  public override readonly name = 'LocalStackError';
  public constructor(
    message: string,
    public readonly reason: LocalStackErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
