// Shared by the dead-letter writer's tests: letters, a writer on mocked SQS and
// S3 clients, and ways to look at what was sent and stored.
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { SQSClient, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { createDeadLetter, type DeadLetter } from '../../../functions/core/dlq/envelope.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { SqsDeadLetterWriter, type SqsDeadLetterWriterProps } from '../../../functions/core/dlq/sqs-dead-letter-writer.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';

export const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
export const FIFO_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq.fifo';
export const BUCKET = 'orders-dead-letters';
export const LIMIT = 262_144;
export const NOW = new Date('2024-05-06T07:08:09.123Z');

export const s3Mock = mockClient(S3Client);
export const sqs = new SQSClient({ region: 'eu-west-1' });
export const s3 = new S3Client({ region: 'eu-west-1' });
export const noSleep = (): Promise<void> => Promise.resolve();

export interface LetterOptions {
  readonly valueBytes?: number;
  readonly processor?: string;
  readonly topic?: string;
}

export function letterOf(offset: number, options: LetterOptions = {}): DeadLetter {
  const value = Buffer.alloc(options.valueBytes ?? 16, offset % 251);
  return createDeadLetter({
    processor: options.processor ?? 'order-enricher',
    reason: DeadLetterReason.PROCESSING_ERROR,
    error: new Error(`failed at ${offset}`),
    record: kafkaRecord({ topic: options.topic ?? 'orders', partition: 3, offset, value }),
    now: NOW,
  });
}

export function writerWith(props: Partial<SqsDeadLetterWriterProps> = {}): SqsDeadLetterWriter {
  return new SqsDeadLetterWriter({ sqs, queueUrl: QUEUE_URL, sleep: noSleep, ...props });
}

export function sizeOf(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

export function totalSize(entries: readonly SendMessageBatchRequestEntry[]): number {
  return entries.reduce((sum, entry) => sum + sizeOf(entry), 0);
}

export function sdkBody(text: string): NonNullable<GetObjectCommandOutput['Body']> {
  const stream = Readable.from([Buffer.from(text, 'utf8')]);
  return Object.assign(stream, {
    transformToString: () => Promise.resolve(text),
    transformToByteArray: () => Promise.resolve(new Uint8Array(Buffer.from(text, 'utf8'))),
    transformToWebStream: () => Readable.toWeb(stream),
  });
}

/** Makes the S3 mock behave like a bucket, returning what was stored. */
export function s3Bucket(): Map<string, string> {
  const objects = new Map<string, string>();
  s3Mock.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
    objects.set(`${input.Bucket}/${input.Key}`, input.Body);
    return {};
  });
  s3Mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: sdkBody(text) };
  });
  return objects;
}
