import { describe, expect, it } from 'vitest';
import { isRetryableError } from '../../../functions/core/retry/retryable-error.js';

function sdkError(name: string, httpStatusCode?: number, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode }, ...extra });
}

describe('isRetryableError', () => {
  it.each([
    ['a throttling error by name', sdkError('ThrottlingException', 400)],
    ['SQS throttling', sdkError('RequestThrottled', 403)],
    ['any 429', sdkError('Whatever', 429)],
    ['a 503', sdkError('ServiceUnavailable', 503)],
    ['an internal server error', sdkError('InternalError', 500)],
    ['a non-transient 5xx', sdkError('NotImplemented', 501)],
    ['a timeout', sdkError('TimeoutError')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(true);
  });

  it.each([
    ['access denied', sdkError('AccessDenied', 403)],
    ['a missing queue', sdkError('QueueDoesNotExist', 400)],
    ['a request too long', sdkError('BatchRequestTooLong', 400)],
    ['a plain error', new Error('socket hang up')],
    ['a thrown string', 'ThrottlingException'],
    ['undefined', undefined],
  ])('does not retry %s', (_label, error) => {
    expect(isRetryableError(error)).toBe(false);
  });
});
