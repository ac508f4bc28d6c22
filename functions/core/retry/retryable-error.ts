import { isServerError, isThrottlingError, isTransientError } from '@smithy/service-error-classification';

/**
 * Whether a request that threw is worth sending again: the service throttled
 * it, it failed on the way (a timeout, a reset connection, a 502/503/504) or
 * on the server (a 5xx). Classified the way the AWS SDK's own retry strategy
 * does, rather than by a list of error names that goes stale; a client error
 * (access denied, a bad request) fails the same way every time.
 */
export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return isThrottlingError(error) || isTransientError(error) || isServerError(error);
}
