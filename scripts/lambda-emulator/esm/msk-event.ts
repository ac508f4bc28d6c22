/**
 * What a Lambda MSK event source mapping hands out, built from what kafkajs
 * fetched: the invocation event, the context the function runs with, and the
 * record sent to an SQS or SNS on-failure destination. Pure: no I/O, and the
 * clock is read only by `getRemainingTimeInMillis`.
 *
 * Sources for the shapes (AWS Lambda Developer Guide):
 * - event: https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html (example
 *   event) and kafka-filtering.html, whose example record has no `key` and
 *   `"headers": []`;
 * - on-failure record: https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
 *   ("SNS and SQS example invocation record").
 */
import type { Context } from 'aws-lambda';
import type { KafkaEvent, KafkaEventRecord, KafkaRecordHeaders } from '../../../functions/core/msk/types.js';
import { LambdaEmulatorError } from '../errors.js';

/** Why a fetched record cannot be put into an event. */
export const MskEventErrorReason = {
  OFFSET_NOT_SAFE_INTEGER: 'OFFSET_NOT_SAFE_INTEGER',
  TIMESTAMP_NOT_SAFE_INTEGER: 'TIMESTAMP_NOT_SAFE_INTEGER',
} as const;
export type MskEventErrorReason = (typeof MskEventErrorReason)[keyof typeof MskEventErrorReason];

export class MskEventError extends LambdaEmulatorError {
  public override readonly name = 'MskEventError';
  public constructor(
    message: string,
    public readonly reason: MskEventErrorReason,
    public readonly topic: string,
    public readonly partition: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const TimestampType = { CREATE_TIME: 'CREATE_TIME', LOG_APPEND_TIME: 'LOG_APPEND_TIME' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** kafkajs's numeric code for a log-append-time batch (src/protocol/timestampTypes.js). */
const KAFKAJS_LOG_APPEND_TIME = 1;

/**
 * The part of a kafkajs `KafkaMessage` an event is built from. kafkajs 2.x
 * also sets `batchContext` on record-batch messages at runtime (its typings
 * leave it out); the batch's timestamp type lives there, since record-level
 * attributes are unused in the v2 format.
 */
export interface KafkaMessageLike {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | readonly (Buffer | string)[] | null | undefined>>;
  readonly batchContext?: { readonly timestampType?: number };
}

export interface FetchedPartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessageLike[];
}

export interface MskEventSource {
  /** The MSK cluster ARN the mapping reads from. */
  readonly eventSourceArn: string;
  /** Comma-separated broker addresses, as in the event's `bootstrapServers`. */
  readonly bootstrapServers: string;
}

/**
 * One fetched message as Lambda puts it in the event:
 * - `key` and `value` are base64 and left out when null: Lambda omits them
 *   (the guide's filtering example has no `key`; Powertools had to accept a
 *   missing key, powertools-lambda-python#6523, and a tombstone without
 *   `value`, powertools-lambda-typescript#5016);
 * - headers are one object per header with the value as unsigned bytes, `[]`
 *   when there are none. kafkajs folds headers into an object, so a repeated
 *   name comes back as one array (expanded here into separate objects, in
 *   order) but the interleaving of different names is lost, and integer-like
 *   names sort first. A null header value becomes `[]`.
 */
export function toMskRecord(topic: string, partition: number, message: KafkaMessageLike): KafkaEventRecord {
  const offset = safeInteger(message.offset, MskEventErrorReason.OFFSET_NOT_SAFE_INTEGER, topic, partition);
  const timestamp = safeInteger(message.timestamp, MskEventErrorReason.TIMESTAMP_NOT_SAFE_INTEGER, topic, partition);
  return {
    topic,
    partition,
    offset,
    timestamp,
    timestampType:
      message.batchContext?.timestampType === KAFKAJS_LOG_APPEND_TIME ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
    ...(message.key === null ? {} : { key: message.key.toString('base64') }),
    ...(message.value === null ? {} : { value: message.value.toString('base64') }),
    headers: toHeaders(message.headers),
  };
}

/** The event for fetched batches; records keep the order given, grouped under `<topic>-<partition>`. */
export function toMskEvent(batches: readonly FetchedPartitionBatch[], source: MskEventSource): KafkaEvent {
  return mskEventOf(
    batches.flatMap(({ topic, partition, messages }) => messages.map((message) => toMskRecord(topic, partition, message))),
    source,
  );
}

/** The event for records already in Lambda's shape, grouped by topic-partition in first-seen order. */
export function mskEventOf(records: readonly KafkaEventRecord[], source: MskEventSource): KafkaEvent {
  const grouped: Record<string, KafkaEventRecord[]> = {};
  for (const record of records) (grouped[topicPartitionOf(record)] ??= []).push(record);
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: source.eventSourceArn,
    bootstrapServers: source.bootstrapServers,
    records: grouped,
  };
}

/** `<topic>-<partition>`: the key of `records`, and the `partition` of a batch item identifier. */
export function topicPartitionOf(record: { readonly topic: string; readonly partition: number }): string {
  return `${record.topic}-${record.partition}`;
}

/** The bytes one record adds to the serialized event, separator included, for the payload limit. */
export function recordPayloadBytes(record: KafkaEventRecord): number {
  return Buffer.byteLength(JSON.stringify(record)) + 1;
}

/**
 * Why the mapping gave records up. The guide documents the first two for
 * Kafka; `MaximumRecordAgeExceeded` is the name Lambda uses for streams and
 * is not shown for Kafka, so it is our best reading.
 */
export const OnFailureCondition = {
  RETRY_ATTEMPTS_EXHAUSTED: 'RetryAttemptsExhausted',
  MAXIMUM_PAYLOAD_SIZE_EXCEEDED: 'MaximumPayloadSizeExceeded',
  MAXIMUM_RECORD_AGE_EXCEEDED: 'MaximumRecordAgeExceeded',
} as const;
export type OnFailureCondition = (typeof OnFailureCondition)[keyof typeof OnFailureCondition];

export interface OnFailureResponseContext {
  readonly statusCode: number;
  readonly executedVersion: string;
  /** `Unhandled` when the last invocation threw or timed out; absent when it returned failures. */
  readonly functionError?: 'Unhandled';
}

export interface KafkaRecordsInfo {
  /** Offsets are strings in this record, unlike in the event. */
  readonly firstRecordOffset: string;
  readonly lastRecordOffset: string;
  readonly firstRecordTimestamp: string;
  readonly lastRecordTimestamp: string;
}

/** What Lambda sends to an SQS or SNS on-failure destination: metadata only, never the payloads. */
export interface OnFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: OnFailureCondition;
    readonly approximateInvokeCount: number;
  };
  /** null when the records were never sent to the function. */
  readonly responseContext: OnFailureResponseContext | null;
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KafkaBatchInfo: {
    readonly batchSize: number;
    readonly eventSourceArn: string;
    readonly bootstrapServers: string;
    /** Bytes of the invocation payload these records made. */
    readonly payloadSize: number;
    readonly recordsInfo: Record<string, KafkaRecordsInfo>;
  };
}

export interface OnFailureRecordInput {
  readonly records: readonly KafkaEventRecord[];
  readonly condition: OnFailureCondition;
  /** Invocations that carried these records. */
  readonly approximateInvokeCount: number;
  /** The last of them; undefined when the records were never sent to the function. */
  readonly lastInvocation: { readonly requestId: string; readonly functionError: boolean } | undefined;
  /** Reported when there was no invocation. */
  readonly newRequestId: string;
  readonly functionArn: string;
  readonly source: MskEventSource;
  readonly now: Date;
}

export function onFailureRecord(input: OnFailureRecordInput): OnFailureRecord {
  const recordsInfo: Record<string, KafkaRecordsInfo> = {};
  for (const [topicPartition, records] of Object.entries(mskEventOf(input.records, input.source).records)) {
    const sorted = [...records].sort((a, b) => a.offset - b.offset);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    if (first === undefined || last === undefined) continue;
    recordsInfo[topicPartition] = {
      firstRecordOffset: String(first.offset),
      lastRecordOffset: String(last.offset),
      firstRecordTimestamp: new Date(first.timestamp).toISOString(),
      lastRecordTimestamp: new Date(last.timestamp).toISOString(),
    };
  }
  const last = input.lastInvocation;
  return {
    requestContext: {
      requestId: last?.requestId ?? input.newRequestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    // A synchronous invocation that failed still answers 200; the error shows in functionError.
    responseContext:
      last === undefined ? null : { statusCode: 200, executedVersion: '$LATEST', ...(last.functionError ? { functionError: 'Unhandled' as const } : {}) },
    version: '1.0',
    timestamp: input.now.toISOString(),
    KafkaBatchInfo: {
      batchSize: input.records.length,
      eventSourceArn: input.source.eventSourceArn,
      bootstrapServers: input.source.bootstrapServers,
      payloadSize: Buffer.byteLength(JSON.stringify(mskEventOf(input.records, input.source))),
      recordsInfo,
    },
  };
}

export interface LambdaContextInput {
  readonly functionName: string;
  readonly functionArn: string;
  readonly requestId: string;
  /** Epoch ms at which the function times out. */
  readonly deadline: number;
  readonly now: Date;
}

/** The context Lambda's Node.js runtime passes along with each event. */
export function lambdaContext({ functionName, functionArn, requestId, deadline, now }: LambdaContextInput): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: '128',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${now.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function toHeaders(headers: KafkaMessageLike['headers']): KafkaRecordHeaders {
  const out: KafkaRecordHeaders = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? (value as readonly (Buffer | string)[]) : [value as Buffer | string | null | undefined];
    for (const one of values) {
      out.push({ [name]: one === null || one === undefined ? [] : [...(typeof one === 'string' ? Buffer.from(one) : one)] });
    }
  }
  return out;
}

// Kafka offsets and timestamps are int64; the event carries JSON numbers, so
// a value past 2^53 cannot be represented and must not be silently rounded.
function safeInteger(text: string, reason: MskEventErrorReason, topic: string, partition: number): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new MskEventError(`${topic}-${partition}: '${text}' is not a safe integer`, reason, topic, partition);
  }
  return value;
}
