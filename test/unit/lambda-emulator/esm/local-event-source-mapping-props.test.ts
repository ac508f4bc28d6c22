// The local event source mapping's props, checked when it is made, before it
// connects to anything.
import { describe, expect, it } from 'vitest';
import {
  LocalEventSourceMapping,
  LocalEventSourceMappingError,
  type LocalEventSourceMappingProps,
} from '../../../../scripts/lambda-emulator/esm/local-event-source-mapping.js';
import { kafkaClient } from '../../../../scripts/devstack/kafka.js';

describe('LocalEventSourceMapping props', () => {
  const base = (): LocalEventSourceMappingProps => ({
    kafka: kafkaClient('127.0.0.1:1', 'unused'),
    bootstrapServers: '127.0.0.1:1',
    topics: ['orders'],
    consumerGroupId: 'g',
    functionName: 'f',
    handler: () => Promise.resolve(null),
  });

  it.each([
    ['batchSize', { batchSize: 10_001 }, /batchSize must be an integer from 1 to 10000 \(got 10001\)/],
    ['maximumBatchingWindowMs', { maximumBatchingWindowMs: 300_001 }, /maximumBatchingWindowMs/],
    ['retryAttempts', { retryAttempts: -2 }, /retryAttempts must be an integer from 0 to 10000 or -1/],
    ['maximumRecordAgeMs', { maximumRecordAgeMs: 59_999 }, /maximumRecordAgeMs must be an integer from 60000 to 604800000 or -1/],
    ['functionTimeoutMs', { functionTimeoutMs: 900_000 }, /functionTimeoutMs must be an integer from 1 to 840000/],
    ['topics', { topics: [] }, /topics must be one or more/],
    ['consumerGroupId', { consumerGroupId: '' }, /consumerGroupId/],
    ['startingPosition', { startingPosition: 'EARLIEST' as 'LATEST' }, /startingPosition must be TRIM_HORIZON \| LATEST \| AT_TIMESTAMP/],
    ['startingPositionTimestamp', { startingPosition: 'AT_TIMESTAMP' as const }, /startingPositionTimestamp must be given exactly when/],
  ])('throws INVALID_PROPS naming %s', (_prop, override, message) => {
    expect(() => new LocalEventSourceMapping({ ...base(), ...override })).toThrow(message);
    expect(() => new LocalEventSourceMapping({ ...base(), ...override })).toThrow(LocalEventSourceMappingError);
  });
});
