import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient, type Message } from '@aws-sdk/client-sqs';
import { Kafka } from 'kafkajs';
import { createDeadLetter, serializeDeadLetter, type DeadLetter } from '../../../../functions/core/dlq/envelope.js';
import type { DeadLetterReason } from '../../../../functions/core/dlq/reasons.js';
import type { PipelineTarget } from '../../../../scripts/cli/ops/pipeline-target.js';
import { baseLocalProcessorResources } from '../../../../scripts/cli/ops/processor-resources.js';

export const DLQ_URL = 'http://sqs.test/000000000000/order-analytics-dlq';
export const ON_FAILURE_URL = 'http://sqs.test/000000000000/order-analytics-on-failure';

/** A target whose clients the test mocks with aws-sdk-client-mock; kafkajs is never connected. */
export function fakeTarget(): PipelineTarget {
  const resources = baseLocalProcessorResources('order-analytics', ['orders']);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    label: 'test target',
    kind: 'local',
    registryName: 'realtime-pipeline-test',
    topicSubjects: { orders: 'orders' },
    kafka: new Kafka({ brokers: ['127.0.0.1:1'] }),
    sqs: new SQSClient({ region: 'us-east-1', credentials }),
    s3: new S3Client({ region: 'us-east-1', credentials }),
    glue: new GlueClient({ region: 'us-east-1', credentials }),
    dynamodb: new DynamoDBClient({ region: 'us-east-1', credentials }),
    processorNames: ['order-analytics'],
    processor: (name) => {
      if (name !== 'order-analytics') throw new Error(`unknown processor ${name}`);
      return resources;
    },
    queueUrl: (name) => Promise.resolve(name === resources.onFailureQueueName ? ON_FAILURE_URL : DLQ_URL),
    close: () => undefined,
  };
}

/** A dead letter of order-analytics for a record of the orders topic. */
export function letter(offset: number, options: { reason?: DeadLetterReason; value?: Buffer | null; partition?: number; topic?: string } = {}): DeadLetter {
  return createDeadLetter({
    processor: 'order-analytics',
    reason: options.reason ?? 'SCHEMA_NOT_FOUND',
    error: new Error(`failed at ${offset}`),
    record: {
      topic: options.topic ?? 'orders',
      partition: options.partition ?? 1,
      offset,
      timestamp: 1_767_261_600_000 + offset,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(`order-${offset}`).toString('base64'),
      value: options.value === null ? null : (options.value ?? Buffer.from(JSON.stringify({ order: offset }))).toString('base64'),
      headers: [{ 'trace-id': [...Buffer.from(`t-${offset}`)] }, { 'trace-id': [0xff, -1] }],
    },
    now: new Date('2026-01-01T10:00:00.000Z'),
  });
}

export function asMessage(body: DeadLetter | string, id: string): Message {
  return { MessageId: id, ReceiptHandle: `rh-${id}`, Body: typeof body === 'string' ? body : serializeDeadLetter(body) };
}
