import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

/** The error shape the classifiers read: an Error with the SDK's optional `$metadata`, `$retryable` and `code`. */
type SdkError = Parameters<typeof isThrottlingError>[0];

/**
 * Whether a request that threw is worth sending again: the service throttled
 * it, it failed on the way (a timeout, a reset connection, a 502/503/504) or
 * on the server (a 5xx). Classified the way the AWS SDK's own retry strategy
 * does, rather than by a list of error names that goes stale; a client error
 * (access denied, a bad request) fails the same way every time.
 */
export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // Every field the classifiers read is optional, so any Error is one they can classify.
  const sdkError = error as SdkError;
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
}
