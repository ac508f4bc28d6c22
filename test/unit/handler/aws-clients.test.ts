import { describe, expect, it } from 'vitest';
import {
  ProcessorConfigurationError,
  readEngineEnvironment,
  readProcessorEnvironment,
} from '../../../functions/core/handler/aws-clients.js';

const PROCESSOR_ENV = { SCHEMA_REGISTRY_NAME: 'orders-registry', DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq' };

describe('readProcessorEnvironment', () => {
  it('reads the registry, queue, bucket and a numeric message limit', () => {
    expect(readProcessorEnvironment({ ...PROCESSOR_ENV, DEAD_LETTER_BUCKET: 'dead-letters', DEAD_LETTER_MAX_MESSAGE_BYTES: '2048' })).toEqual({
      ...PROCESSOR_ENV,
      DEAD_LETTER_BUCKET: 'dead-letters',
      DEAD_LETTER_MAX_MESSAGE_BYTES: 2048,
    });
  });

  it('names every missing or malformed variable and what is wrong with it, in English', () => {
    // Act
    const read = (): unknown => readProcessorEnvironment({ DEAD_LETTER_QUEUE_URL: 'not a url', DEAD_LETTER_MAX_MESSAGE_BYTES: '512' });

    // Assess: zod/mini has no messages of its own; these are zod's English ones and ours.
    expect(read).toThrow(expect.objectContaining({ name: 'ProcessorConfigurationError', reason: 'INVALID_ENVIRONMENT' }));
    // An error object: toThrow compares the whole message, not a part of it.
    expect(read).toThrow(
      new ProcessorConfigurationError(
        'Processor environment is invalid: SCHEMA_REGISTRY_NAME Invalid input: expected string, received undefined; ' +
          'DEAD_LETTER_QUEUE_URL must be the URL of the SQS dead-letter queue; ' +
          'DEAD_LETTER_MAX_MESSAGE_BYTES Too small: expected number to be >=1024',
      ),
    );
  });

  it('rejects a message limit that is not a whole number', () => {
    expect(() => readProcessorEnvironment({ ...PROCESSOR_ENV, DEAD_LETTER_MAX_MESSAGE_BYTES: '2048.5' })).toThrow(
      'DEAD_LETTER_MAX_MESSAGE_BYTES Invalid input: expected int, received number',
    );
  });
});

describe('readEngineEnvironment', () => {
  it('reads the table, the emit queue and the partition count as a number', () => {
    expect(readEngineEnvironment({ STATE_TABLE_NAME: 'orders-state', EMIT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/alerts.fifo', INPUT_PARTITIONS: '6' })).toEqual({
      STATE_TABLE_NAME: 'orders-state',
      EMIT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/alerts.fifo',
      INPUT_PARTITIONS: 6,
    });
  });

  it('says what each variable must be', () => {
    expect(() => readEngineEnvironment({ STATE_TABLE_NAME: 'ab', EMIT_QUEUE_URL: 'alerts', INPUT_PARTITIONS: '0' })).toThrow(
      new ProcessorConfigurationError(
        'Processor environment is invalid: STATE_TABLE_NAME must name the processor\'s DynamoDB table; ' +
          'EMIT_QUEUE_URL must be the URL of the SQS FIFO queue closed windows are announced on; ' +
          'INPUT_PARTITIONS must be the input topic\'s partition count',
      ),
    );
  });
});
