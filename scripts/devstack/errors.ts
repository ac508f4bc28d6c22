/** Why a local service could not be installed or started. */
export const LocalStackErrorReason = {
  JAVA_MISSING: 'JAVA_MISSING',
  MAVEN_MISSING: 'MAVEN_MISSING',
  PYTHON_MISSING: 'PYTHON_MISSING',
  FETCH_FAILED: 'FETCH_FAILED',
  START_FAILED: 'START_FAILED',
  START_TIMEOUT: 'START_TIMEOUT',
  PORT_IN_USE: 'PORT_IN_USE',
  /** Kafka Connect refused a connector's configuration (HTTP 400). */
  CONNECTOR_REJECTED: 'CONNECTOR_REJECTED',
  /** A connector or one of its tasks reached FAILED. */
  CONNECTOR_FAILED: 'CONNECTOR_FAILED',
  /** A read from a local service did not finish in time. */
  READ_TIMEOUT: 'READ_TIMEOUT',
  /** A local service answered a request with an unexpected error status. */
  REQUEST_FAILED: 'REQUEST_FAILED',
  /** An option of a service out of its range, such as a port below 1024. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** The running stack was started by an earlier version of rtp and lacks a service this one needs. */
  STALE_STACK: 'STALE_STACK',
} as const;
export type LocalStackErrorReason = (typeof LocalStackErrorReason)[keyof typeof LocalStackErrorReason];

/**
 * Base class of every error the local stack raises; `reason` says which.
 * Devstack knows no pipeline: its errors are about installs, processes,
 * ports and the services' answers.
 */
export abstract class DevstackError extends Error {
  public abstract readonly reason: string;
}

/** A local service that could not be installed, started or asked. */
export class LocalStackError extends DevstackError {
  public override readonly name = 'LocalStackError';
  public constructor(
    message: string,
    public readonly reason: LocalStackErrorReason,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
