import { GetSchemaVersionCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../../functions/core/serde/avro-schema.js';
import { writeGlueFrame } from '../../../../functions/core/serde/glue-wire-format.js';
import { inspectQueue } from '../../../../scripts/cli/dlq/inspect.js';
import { purgeQueue } from '../../../../scripts/cli/dlq/purge.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../../helpers/orders.js';
import { asMessage, fakeTarget, letter, ON_FAILURE_URL } from './fake-target.js';

const sqs = mockClient(SQSClient);
const glue = mockClient(GlueClient);
const UNKNOWN_SCHEMA = '0b5e0e8a-1111-4222-8333-444455556666';

describe('rtp dlq inspect', () => {
  beforeEach(() => {
    sqs.reset();
    glue.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '4', ApproximateNumberOfMessagesNotVisible: '0' } });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    glue.on(GetSchemaVersionCommand, { SchemaVersionId: ORDERS_SCHEMA_IDS[3] }).resolves({ SchemaDefinition: subjectVersion('orders', 3), DataFormat: 'AVRO' });
    glue.on(GetSchemaVersionCommand, { SchemaVersionId: UNKNOWN_SCHEMA }).rejects(Object.assign(new Error('Schema version is not found.'), { name: 'EntityNotFoundException' }));
  });

  afterEach(() => {
    sqs.reset();
    glue.reset();
  });

  it('counts by reason, topic and partition, decodes samples where it can, and consumes nothing', async () => {
    // Prepare: an Avro order the registry knows, one it does not, a JSON value and a body that is not a dead letter
    const avro = writeGlueFrame(ORDERS_SCHEMA_IDS[3], parseAvroSchema(subjectVersion('orders', 3)).toBuffer(orderEvent(3)));
    const unknown = writeGlueFrame(UNKNOWN_SCHEMA, Buffer.from([2, 4]));
    sqs.on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          asMessage(letter(10, { reason: 'PROCESSING_ERROR', value: avro }), 'm1'),
          asMessage(letter(11, { value: unknown }), 'm2'),
          asMessage(letter(12, { value: unknown, partition: 2 }), 'm3'),
        ],
      })
      .resolvesOnce({ Messages: [asMessage(letter(13, { reason: 'VALIDATION_ERROR', partition: 2 }), 'm4'), asMessage('{"nope":1}', 'm5')] })
      .resolves({});

    // Act
    const report = await inspectQueue(fakeTarget(), 'order-analytics', { queue: 'dead-letters', samples: 10 });

    // Assess
    expect(report).toMatchObject({
      scanned: 5,
      complete: true,
      byReason: { SCHEMA_NOT_FOUND: 2, INVALID: 1, PROCESSING_ERROR: 1, VALIDATION_ERROR: 1 },
      byTopic: { orders: 4 },
      byPartition: { 'orders/1': 2, 'orders/2': 2 },
    });
    const samples = new Map(report.samples.map((s) => [s.messageId, s]));
    expect(samples.get('m1')).toMatchObject({
      reason: 'PROCESSING_ERROR',
      key: { text: 'order-10' },
      headers: { 'trace-id': ['t-10', 'base64://8='] },
      value: { decoded: true, format: 'glue', schemaVersionId: ORDERS_SCHEMA_IDS[3], value: { event_id: 'evt-v3', occurred_at: '2026-01-01T10:00:00.000Z' } },
    });
    expect(samples.get('m2')).toMatchObject({ value: { decoded: false, base64: unknown.toString('base64'), decodeError: expect.stringMatching(/^SCHEMA_NOT_FOUND: /) as unknown } });
    expect(samples.get('m4')).toMatchObject({ value: { decoded: true, format: 'json', value: { order: 13 } } });
    expect(samples.get('m5')).toMatchObject({ kind: 'invalid' });
    // Every message was received with a visibility timeout and handed back with 0; none was deleted.
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    const released = sqs.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(released.map((e) => [e.ReceiptHandle, e.VisibilityTimeout])).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => [`rh-${id}`, 0]));
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.VisibilityTimeout).toBeGreaterThan(0);
  });

  it('stops a pass when a message it already counted comes back', async () => {
    sqs.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [asMessage(letter(10), 'm1')] })
      .resolvesOnce({ Messages: [asMessage(letter(11), 'm2'), asMessage(letter(10), 'm1')] })
      .resolves({ Messages: [asMessage(letter(12), 'm3')] });

    const report = await inspectQueue(fakeTarget(), 'order-analytics', { queue: 'dead-letters', samples: 0 });

    expect(report.scanned).toBe(2);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
  });

  it('reads on-failure messages: counts by condition and topic-partition, with their offset ranges', async () => {
    const onFailure = {
      requestContext: { requestId: 'r-1', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:order-analytics', condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-01-01T10:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 7,
        eventSourceArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/x/y',
        bootstrapServers: 'b-1:9098',
        payloadSize: 1234,
        recordsInfo: {
          'orders-0': { firstRecordOffset: '40', lastRecordOffset: '44', firstRecordTimestamp: '2026-01-01T09:59:00.000Z', lastRecordTimestamp: '2026-01-01T09:59:01.000Z' },
          'orders-2': { firstRecordOffset: '7', lastRecordOffset: '8', firstRecordTimestamp: '2026-01-01T09:59:00.000Z', lastRecordTimestamp: '2026-01-01T09:59:02.000Z' },
        },
      },
    };
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(JSON.stringify(onFailure), 'f1')] }).resolves({});

    const report = await inspectQueue(fakeTarget(), 'order-analytics', { queue: 'on-failure', samples: 1 });

    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input.QueueUrl).toBe(ON_FAILURE_URL);
    expect(report).toMatchObject({ byReason: { RetryAttemptsExhausted: 1 }, byTopic: { orders: 1 }, byPartition: { 'orders/0': 1, 'orders/2': 1 } });
    expect(report.samples[0]).toMatchObject({ kind: 'on-failure', batchSize: 7, ranges: [{ topic: 'orders', partition: 0, firstOffset: 40, lastOffset: 44 }, { topic: 'orders', partition: 2, firstOffset: 7, lastOffset: 8 }] });
  });
});

describe('rtp dlq purge', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' } });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10), 'm1')] }).resolves({});
    sqs.on(PurgeQueueCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('purges nothing when the confirmation is refused', async () => {
    const report = await purgeQueue(fakeTarget(), 'order-analytics', { queue: 'dead-letters', confirm: () => Promise.resolve(false) });

    expect(report.purged).toBe(false);
    expect(sqs.commandCalls(PurgeQueueCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
  });

  it('purges once confirmed, after showing the depth', async () => {
    const asked: number[] = [];
    const report = await purgeQueue(fakeTarget(), 'order-analytics', {
      queue: 'dead-letters',
      confirm: (depth) => {
        asked.push(depth.visible);
        return Promise.resolve(true);
      },
    });

    expect(asked).toEqual([1]);
    expect(report).toMatchObject({ purged: true, payloadsDeleted: 0, payloadsLeft: 0 });
    expect(sqs.commandCalls(PurgeQueueCommand)).toHaveLength(1);
  });
});
