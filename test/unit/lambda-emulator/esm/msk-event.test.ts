import { describe, expect, it } from 'vitest';
import { parseKafkaEvent, partitionsOf } from '../../../../functions/core/msk/partitions.js';
import {
  MskEventError,
  MskEventErrorReason,
  OnFailureCondition,
  lambdaContext,
  mskEventOf,
  onFailureRecord,
  recordPayloadBytes,
  toMskEvent,
  toMskRecord,
  type KafkaMessageLike,
} from '../../../../scripts/lambda-emulator/esm/msk-event.js';

const SOURCE = {
  eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/retail/abcd1234-0000-0000-0000-000000000000-1',
  bootstrapServers: '127.0.0.1:9092,127.0.0.1:9093',
} as const;

/** A message as kafkajs 2.x hands it to eachBatch, `batchContext` included. */
function message(offset: number, overrides: Partial<KafkaMessageLike> = {}): KafkaMessageLike {
  return {
    offset: String(offset),
    timestamp: String(1_767_225_600_000 + offset),
    key: Buffer.from(`k${offset}`),
    value: Buffer.from(`{"n":${offset}}`),
    headers: {},
    batchContext: { timestampType: 0 },
    ...overrides,
  };
}

describe('toMskRecord', () => {
  it('builds the record Lambda sends: numbers for offset and timestamp, base64 key and value, fields in its order', () => {
    const record = toMskRecord('orders', 3, message(42, { headers: { 'trace-id': Buffer.from('t1') } }));

    expect(record).toEqual({
      topic: 'orders',
      partition: 3,
      offset: 42,
      timestamp: 1_767_225_600_042,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('k42').toString('base64'),
      value: Buffer.from('{"n":42}').toString('base64'),
      headers: [{ 'trace-id': [116, 49] }],
    });
    expect(Object.keys(record)).toEqual(['topic', 'partition', 'offset', 'timestamp', 'timestampType', 'key', 'value', 'headers']);
  });

  it('leaves out a null key and a tombstone value, and keeps an empty key as an empty string', () => {
    const noKey = toMskRecord('orders', 0, message(1, { key: null }));
    const tombstone = toMskRecord('orders', 0, message(2, { value: null }));
    const emptyKey = toMskRecord('orders', 0, message(3, { key: Buffer.alloc(0) }));

    expect(noKey).not.toHaveProperty('key');
    expect(tombstone).not.toHaveProperty('value');
    expect(tombstone.key).toBe(Buffer.from('k2').toString('base64'));
    expect(emptyKey.key).toBe('');
  });

  it('reads LOG_APPEND_TIME from the batch, and falls back to CREATE_TIME without one', () => {
    expect(toMskRecord('orders', 0, message(1, { batchContext: { timestampType: 1 } })).timestampType).toBe('LOG_APPEND_TIME');
    expect(toMskRecord('orders', 0, message(1, { batchContext: undefined })).timestampType).toBe('CREATE_TIME');
  });

  it('gives one object per header, repeated names as separate objects in order, values as unsigned bytes', () => {
    const record = toMskRecord(
      'orders',
      0,
      message(1, { headers: { a: [Buffer.from([0, 255]), 'x'], b: Buffer.from([128]), c: undefined, d: null } }),
    );

    expect(record.headers).toEqual([{ a: [0, 255] }, { a: [120] }, { b: [128] }, { c: [] }, { d: [] }]);
  });

  it('sends an empty header list when the message has none', () => {
    expect(toMskRecord('orders', 0, message(1, { headers: undefined })).headers).toEqual([]);
  });

  it('throws OFFSET_NOT_SAFE_INTEGER rather than rounding an offset past 2^53', () => {
    try {
      toMskRecord('orders', 7, message(1, { offset: '9007199254740993' }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MskEventError);
      expect(error).toMatchObject({ reason: MskEventErrorReason.OFFSET_NOT_SAFE_INTEGER, topic: 'orders', partition: 7 });
    }
  });
});

describe('toMskEvent', () => {
  it('groups records under <topic>-<partition> in fetch order, and the handler-side parser accepts the event', () => {
    // Prepare
    const batches = [
      { topic: 'stock-movements', partition: 2, messages: [message(7), message(8, { key: null, value: null })] },
      { topic: 'orders', partition: 0, messages: [message(1)] },
    ];

    // Act
    const event = toMskEvent(batches, SOURCE);

    // Assess
    expect(Object.keys(event)).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
    expect(event).toMatchObject({ eventSource: 'aws:kafka', ...SOURCE });
    expect(Object.keys(event.records)).toEqual(['stock-movements-2', 'orders-0']);
    const parsed = parseKafkaEvent(JSON.parse(JSON.stringify(event)));
    expect(parsed).toEqual(event);
    expect(partitionsOf(parsed).map((p) => [p.topicPartition, p.records.map((r) => r.offset)])).toEqual([
      ['stock-movements-2', [7, 8]],
      ['orders-0', [1]],
    ]);
  });

  it('makes an event with no records for no batches', () => {
    expect(toMskEvent([], SOURCE).records).toEqual({});
  });
});

describe('recordPayloadBytes', () => {
  it('counts the serialized record plus its separator', () => {
    const record = toMskRecord('orders', 0, message(1));
    expect(recordPayloadBytes(record)).toBe(Buffer.byteLength(JSON.stringify(record)) + 1);
  });
});

describe('onFailureRecord', () => {
  it('describes the given-up records by partition, with string offsets and ISO times, and no payload', () => {
    // Prepare
    const records = [
      toMskRecord('orders', 0, message(11)),
      toMskRecord('orders', 0, message(10)),
      toMskRecord('orders', 1, message(4)),
    ];

    // Act
    const record = onFailureRecord({
      records,
      condition: OnFailureCondition.RETRY_ATTEMPTS_EXHAUSTED,
      approximateInvokeCount: 3,
      lastInvocation: { requestId: '316aa6d0-8154-4f3e-9af7-85d5f4a6bc81', functionError: true },
      newRequestId: 'unused',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-analytics',
      source: SOURCE,
      now: new Date('2026-11-22T08:00:00.000Z'),
    });

    // Assess
    expect(record).toEqual({
      requestContext: {
        requestId: '316aa6d0-8154-4f3e-9af7-85d5f4a6bc81',
        functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-analytics',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2026-11-22T08:00:00.000Z',
      KafkaBatchInfo: {
        batchSize: 3,
        eventSourceArn: SOURCE.eventSourceArn,
        bootstrapServers: SOURCE.bootstrapServers,
        payloadSize: Buffer.byteLength(JSON.stringify(mskEventOf(records, SOURCE))),
        recordsInfo: {
          'orders-0': {
            firstRecordOffset: '10',
            lastRecordOffset: '11',
            firstRecordTimestamp: '2026-01-01T00:00:00.010Z',
            lastRecordTimestamp: '2026-01-01T00:00:00.011Z',
          },
          'orders-1': {
            firstRecordOffset: '4',
            lastRecordOffset: '4',
            firstRecordTimestamp: '2026-01-01T00:00:00.004Z',
            lastRecordTimestamp: '2026-01-01T00:00:00.004Z',
          },
        },
      },
    });
    expect(JSON.stringify(record)).not.toContain(records[0]!.value!);
  });

  it('has no functionError when the last invocation returned failures rather than throwing', () => {
    const record = onFailureRecord({
      records: [toMskRecord('orders', 0, message(1))],
      condition: OnFailureCondition.RETRY_ATTEMPTS_EXHAUSTED,
      approximateInvokeCount: 1,
      lastInvocation: { requestId: 'r-1', functionError: false },
      newRequestId: 'unused',
      functionArn: 'f',
      source: SOURCE,
      now: new Date(0),
    });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });

  it('has a null responseContext and a new request id for records never sent to the function', () => {
    const record = onFailureRecord({
      records: [toMskRecord('orders', 0, message(1))],
      condition: OnFailureCondition.MAXIMUM_PAYLOAD_SIZE_EXCEEDED,
      approximateInvokeCount: 0,
      lastInvocation: undefined,
      newRequestId: 'r-new',
      functionArn: 'f',
      source: SOURCE,
      now: new Date(0),
    });
    expect(record.responseContext).toBeNull();
    expect(record.requestContext).toMatchObject({ requestId: 'r-new', condition: 'MaximumPayloadSizeExceeded', approximateInvokeCount: 0 });
  });
});

describe('lambdaContext', () => {
  it('gives the request id, the function and the time left before the deadline', () => {
    const context = lambdaContext({
      functionName: 'order-analytics',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-analytics',
      requestId: 'r-1',
      deadline: Date.now() + 5_000,
      now: new Date('2026-11-22T08:00:00.000Z'),
    });

    expect(context).toMatchObject({
      functionName: 'order-analytics',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:order-analytics',
      awsRequestId: 'r-1',
      logGroupName: '/aws/lambda/order-analytics',
      logStreamName: '2026/11/22/[$LATEST]local',
    });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(4_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
  });
});
