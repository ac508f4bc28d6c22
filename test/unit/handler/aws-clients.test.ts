import { GetSchemaVersionCommand, GlueClient } from '@aws-sdk/client-glue';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadLetter } from '../../../functions/core/dlq/envelope.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { WindowEmitterConfigError } from '../../../functions/core/emit/errors.js';
import {
  createAwsAdapters,
  createEngineAdapters,
  readEngineEnvironment,
  readProcessorEnvironment,
} from '../../../functions/core/handler/aws-clients.js';
import { ProcessorConfigurationError } from '../../../functions/core/handler/errors.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';

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

describe('the adapters of a deployed processor', () => {
  const glueMock = mockClient(GlueClient);
  const sqsMock = mockClient(SQSClient);
  const s3Mock = mockClient(S3Client);
  const VERSION_ID = 'b7b4a7f0-0b8e-4f4e-9d3c-2a8f4c1e6d5a';
  const DEFINITION = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });
  let savedRegion: string | undefined;

  beforeEach(() => {
    savedRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';
    glueMock.reset();
    sqsMock.reset();
    s3Mock.reset();
    glueMock.on(GetSchemaVersionCommand).resolves({ SchemaDefinition: DEFINITION, DataFormat: 'AVRO' });
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    s3Mock.on(PutObjectCommand).resolves({});
  });

  afterEach(() => {
    if (savedRegion === undefined) delete process.env.AWS_REGION;
    else process.env.AWS_REGION = savedRegion;
  });

  /** A disabled tracer that records every SDK client handed to it: the adapters trace each client as they make it. */
  function recordingTracer(): { tracer: Tracer; made: () => string[] } {
    const tracer = new Tracer({ serviceName: 'order-analytics', enabled: false });
    const capture = vi.spyOn(tracer, 'captureAWSv3Client');
    return { tracer, made: () => capture.mock.calls.map(([client]) => (client as object).constructor.name) };
  }

  function letter(valueBytes: number): ReturnType<typeof createDeadLetter> {
    return createDeadLetter({
      processor: 'order-analytics',
      reason: DeadLetterReason.DECODE_ERROR,
      error: new Error('not Avro'),
      record: kafkaRecord({ offset: 7, value: Buffer.alloc(valueBytes, 1) }),
    });
  }

  it('makes no Glue, SQS or S3 client until one is needed, then one of each, shared by later calls', async () => {
    // Prepare
    const { tracer, made } = recordingTracer();
    const { registry, deadLetters } = createAwsAdapters(
      { ...PROCESSOR_ENV, DEAD_LETTER_BUCKET: 'dead-letters', DEAD_LETTER_MAX_MESSAGE_BYTES: 2048 },
      tracer,
    );
    expect(made()).toEqual([]);

    // Act & Assess: the first schema lookup makes the Glue client.
    await expect(registry.getSchemaDefinition(VERSION_ID)).resolves.toBe(DEFINITION);
    expect(made()).toEqual(['GlueClient']);

    // A dead letter that fits makes the SQS client, not the S3 one.
    await deadLetters.write([letter(16)]);
    expect(made()).toEqual(['GlueClient', 'SQSClient']);

    // An oversized one is offloaded, which makes the S3 client; SQS is reused.
    await deadLetters.write([letter(4096)]);
    expect(made()).toEqual(['GlueClient', 'SQSClient', 'S3Client']);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  it('makes the DynamoDB client at once and the emitter\'s SQS client only when windows are first announced', async () => {
    // Prepare
    const { tracer, made } = recordingTracer();
    const { emitter } = createEngineAdapters({ STATE_TABLE_NAME: 'orders-state', EMIT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/alerts.fifo' }, tracer);
    expect(made()).toEqual(['DynamoDBClient']);

    // Act
    await emitter?.emit([{ groupId: 'store-1', deduplicationId: 'w-1', body: '{}' }]);

    // Assess
    expect(made()).toEqual(['DynamoDBClient', 'SQSClient']);
  });

  it('still refuses a queue that is not FIFO at cold start, before any client is made', () => {
    const { tracer, made } = recordingTracer();

    expect(() => createEngineAdapters({ STATE_TABLE_NAME: 'orders-state', EMIT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/alerts' }, tracer)).toThrow(
      WindowEmitterConfigError,
    );
    expect(made()).toEqual(['DynamoDBClient']);
  });
});
