import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import {
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandInput,
  type SendMessageBatchRequestEntry,
  type SendMessageBatchResult,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createDeadLetter,
  isOffloaded,
  parseDeadLetter,
  serializeDeadLetter,
  toOffloadedDeadLetter,
  type DeadLetter,
} from '../../../functions/core/dlq/envelope.js';
import { DeadLetterResolveError, DeadLetterWriteError, DeadLetterWriteErrorReason } from '../../../functions/core/dlq/errors.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { resolveDeadLetter } from '../../../functions/core/dlq/offloaded-payload-client.js';
import { SqsDeadLetterWriter, type SqsDeadLetterWriterProps } from '../../../functions/core/dlq/sqs-dead-letter-writer.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';
import { caught } from '../../helpers/caught.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq';
const FIFO_QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq.fifo';
const BUCKET = 'orders-dead-letters';
const LIMIT = 262_144;
const NOW = new Date('2024-05-06T07:08:09.123Z');

const sqsMock = mockClient(SQSClient);
const s3Mock = mockClient(S3Client);
const sqs = new SQSClient({ region: 'eu-west-1' });
const s3 = new S3Client({ region: 'eu-west-1' });
const noSleep = (): Promise<void> => Promise.resolve();

interface LetterOptions {
  readonly valueBytes?: number;
  readonly processor?: string;
  readonly topic?: string;
}

function letterOf(offset: number, options: LetterOptions = {}): DeadLetter {
  const value = Buffer.alloc(options.valueBytes ?? 16, offset % 251);
  return createDeadLetter({
    processor: options.processor ?? 'order-enricher',
    reason: DeadLetterReason.PROCESSING_ERROR,
    error: new Error(`failed at ${offset}`),
    record: kafkaRecord({ topic: options.topic ?? 'orders', partition: 3, offset, value }),
    now: NOW,
  });
}

function writerWith(props: Partial<SqsDeadLetterWriterProps> = {}): SqsDeadLetterWriter {
  return new SqsDeadLetterWriter({ sqs, queueUrl: QUEUE_URL, sleep: noSleep, ...props });
}

/** An SQS mock that accepts every entry. */
function acceptAll(input: SendMessageBatchCommandInput): SendMessageBatchResult {
  return { Successful: (input.Entries ?? []).map(succeeded), Failed: [] };
}

function succeeded(entry: SendMessageBatchRequestEntry): SentEntry {
  return { Id: entry.Id ?? '', MessageId: `m-${entry.Id}`, MD5OfMessageBody: 'md5' };
}

type SentEntry = NonNullable<SendMessageBatchResult['Successful']>[number];
type FailedEntry = NonNullable<SendMessageBatchResult['Failed']>[number];

function sentEntries(): SendMessageBatchRequestEntry[][] {
  return sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
}

function sizeOf(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes += Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

function totalSize(entries: readonly SendMessageBatchRequestEntry[]): number {
  return entries.reduce((sum, entry) => sum + sizeOf(entry), 0);
}

function sdkBody(text: string): NonNullable<GetObjectCommandOutput['Body']> {
  const stream = Readable.from([Buffer.from(text, 'utf8')]);
  return Object.assign(stream, {
    transformToString: () => Promise.resolve(text),
    transformToByteArray: () => Promise.resolve(new Uint8Array(Buffer.from(text, 'utf8'))),
    transformToWebStream: () => Readable.toWeb(stream),
  });
}

/** Makes the S3 mock behave like a bucket, returning what was stored. */
function s3Bucket(): Map<string, string> {
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

beforeEach(() => {
  sqsMock.reset();
  s3Mock.reset();
});

describe('SqsDeadLetterWriter', () => {
  it('makes no call for an empty write', async () => {
    // Act
    await writerWith({ s3, offloadBucket: BUCKET }).write([]);

    // Assess
    expect(sqsMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('sends 25 letters in 3 requests, each body the envelope, with filterable attributes', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const letters = Array.from({ length: 25 }, (_, i) => letterOf(i));

    // Act
    await writerWith().write(letters);

    // Assess
    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 5]);
    const queueUrls = sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.QueueUrl);
    expect(new Set(queueUrls)).toEqual(new Set([QUEUE_URL]));
    const entries = requests.flat();
    expect(entries.map((entry) => parseDeadLetter(entry.MessageBody ?? ''))).toEqual(letters);
    expect(entries[0]?.MessageAttributes).toEqual({
      reason: { DataType: 'String', StringValue: 'PROCESSING_ERROR' },
      processor: { DataType: 'String', StringValue: 'order-enricher' },
      topic: { DataType: 'String', StringValue: 'orders' },
    });
    expect(entries.filter((entry) => entry.MessageGroupId ?? entry.MessageDeduplicationId)).toEqual([]);
  });

  it('splits requests so that no request exceeds the size limit', async () => {
    // Prepare: ~80 KiB bodies, so only three fit in 256 KiB
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const letters = Array.from({ length: 7 }, (_, i) => letterOf(i, { valueBytes: 60_000 }));

    // Act
    await writerWith().write(letters);

    // Assess
    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([3, 3, 1]);
    for (const entries of requests) expect(totalSize(entries)).toBeLessThanOrEqual(LIMIT);
    expect(requests.flat().map((entry) => parseDeadLetter(entry.MessageBody ?? ''))).toEqual(letters);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  describe('an envelope over the size limit', () => {
    it('is stored whole in S3 and sent as a pointer that resolves back to it', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
      const objects = s3Bucket();
      const big = letterOf(42, { valueBytes: 300_000 });
      const small = letterOf(43);

      // Act
      await writerWith({ s3, offloadBucket: BUCKET }).write([big, small]);

      // Assess
      const key = 'dead-letters/order-enricher/orders/3/42-2024-05-06T07_08_09.123Z.json';
      expect([...objects.keys()]).toEqual([`${BUCKET}/${key}`]);
      const stored = objects.get(`${BUCKET}/${key}`) ?? '';
      expect(parseDeadLetter(stored)).toEqual(big);
      expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input.ContentType).toBe('application/json');

      const [pointerEntry, smallEntry] = sentEntries().flat();
      const pointer = parseDeadLetter(pointerEntry?.MessageBody ?? '');
      const location = isOffloaded(pointer) ? pointer.payloadLocation : undefined;
      expect(location).toEqual({ bucket: BUCKET, key, bytes: Buffer.byteLength(stored) });
      expect(sizeOf({ Id: 'x', MessageBody: pointerEntry?.MessageBody })).toBeLessThan(LIMIT);
      expect(parseDeadLetter(smallEntry?.MessageBody ?? '')).toEqual(small);

      expect(await resolveDeadLetter(pointerEntry?.MessageBody ?? '', s3)).toEqual(big);
      expect(await resolveDeadLetter(smallEntry?.MessageBody ?? '', s3)).toEqual(small);
    });

    it('is stored under a key made only of safe characters', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
      const objects = s3Bucket();

      // Act
      const letter = letterOf(7, { valueBytes: 300_000, processor: '..', topic: 'a b/c' });
      await writerWith({ s3, offloadBucket: BUCKET }).write([letter]);

      // Assess
      expect([...objects.keys()]).toEqual([`${BUCKET}/dead-letters/__/a_b_c/3/7-2024-05-06T07_08_09.123Z.json`]);
    });

    it('throws PAYLOAD_TOO_LARGE and sends nothing when no offload bucket is configured', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);

      // Act
      const error = await caught(writerWith().write([letterOf(1), letterOf(2, { valueBytes: 300_000 })]));

      // Assess
      expect(error).toBeInstanceOf(DeadLetterWriteError);
      expect(error).toMatchObject({
        reason: DeadLetterWriteErrorReason.PAYLOAD_TOO_LARGE,
        unsentCount: 2,
        totalCount: 2,
      });
      expect(sqsMock.calls()).toHaveLength(0);
    });

    it('throws OFFLOAD_FAILED and sends nothing when S3 refuses the payload', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
      const denied = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      s3Mock.on(PutObjectCommand).rejects(denied);

      // Act
      const writer = writerWith({ s3, offloadBucket: BUCKET });
      const error = await caught(writer.write([letterOf(1, { valueBytes: 300_000 })]));

      // Assess
      expect(error).toBeInstanceOf(DeadLetterWriteError);
      expect(error).toMatchObject({
        reason: DeadLetterWriteErrorReason.OFFLOAD_FAILED,
        unsentCount: 1,
        firstFailure: { code: 'AccessDenied', message: 'Access Denied' },
        cause: denied,
      });
      expect(sqsMock.calls()).toHaveLength(0);
    });
  });

  describe('when SQS reports failed entries', () => {
    it('re-sends only the entries that failed retryably and then succeeds', async () => {
      // Prepare
      sqsMock
        .on(SendMessageBatchCommand)
        .callsFakeOnce((input: SendMessageBatchCommandInput) => {
          const entries = input.Entries ?? [];
          return {
            Successful: entries.slice(2).map(succeeded),
            Failed: entries.slice(0, 2).map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError' })),
          };
        })
        .callsFake(acceptAll);
      const letters = Array.from({ length: 10 }, (_, i) => letterOf(i));
      const sleeps: number[] = [];

      // Act
      await writerWith({ baseDelayMs: 100, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }).write(letters);

      // Assess
      const [first, second] = sentEntries();
      expect(first).toHaveLength(10);
      expect(second).toEqual(first?.slice(0, 2));
      expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(sleeps[0]).toBeLessThanOrEqual(100);
    });

    it('throws SEND_FAILED with the unsent count after maxAttempts of retryable failures', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
        const entries = input.Entries ?? [];
        return {
          Successful: entries.filter((entry) => entry.Id !== '0').map(succeeded),
          Failed: entries
            .filter((entry) => entry.Id === '0')
            .map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'ThrottlingException', Message: 'slow down' })),
        };
      });

      // Act
      const error = await caught(writerWith({ maxAttempts: 3 }).write([letterOf(0), letterOf(1), letterOf(2)]));

      // Assess
      expect(error).toBeInstanceOf(DeadLetterWriteError);
      expect(error).toMatchObject({
        reason: DeadLetterWriteErrorReason.SEND_FAILED,
        unsentCount: 1,
        totalCount: 3,
        firstFailure: { code: 'ThrottlingException', message: 'slow down' },
      });
      expect(sentEntries().map((entries) => entries.map((entry) => entry.Id))).toEqual([['0', '1', '2'], ['0'], ['0']]);
    });

    it('does not retry a SenderFault entry, writes the rest and throws with the unsent count', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
        const entries = input.Entries ?? [];
        return {
          Successful: entries.filter((entry) => entry.Id !== '1').map(succeeded),
          Failed: [{ Id: '1', SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad attribute' }],
        };
      });

      // Act
      const error = await caught(writerWith().write([letterOf(0), letterOf(1), letterOf(2)]));

      // Assess
      expect(error).toMatchObject({
        name: 'DeadLetterWriteError',
        reason: DeadLetterWriteErrorReason.SEND_FAILED,
        unsentCount: 1,
        firstFailure: { code: 'InvalidParameterValue', message: 'bad attribute' },
      });
      expect((error as Error).message).toContain('1 of 3');
      expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    });
  });

  it('re-sends an entry SQS reported neither as sent nor as failed', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFakeOnce((input: SendMessageBatchCommandInput) => ({
        Successful: (input.Entries ?? []).slice(1).map(succeeded),
        Failed: [],
      }))
      .callsFake(acceptAll);

    // Act
    await writerWith().write([letterOf(0), letterOf(1)]);

    // Assess
    expect(sentEntries().map((entries) => entries.map((entry) => entry.Id))).toEqual([['0', '1'], ['0']]);
  });

  describe('when a request throws', () => {
    it('throws SEND_FAILED for every letter when every request fails', async () => {
      // Prepare
      const denied = Object.assign(new Error('not authorized to sqs:SendMessage'), { name: 'AccessDenied' });
      sqsMock.on(SendMessageBatchCommand).rejects(denied);

      // Act
      const error = await caught(writerWith().write(Array.from({ length: 25 }, (_, i) => letterOf(i))));

      // Assess
      expect(error).toBeInstanceOf(DeadLetterWriteError);
      expect(error).toMatchObject({
        reason: DeadLetterWriteErrorReason.SEND_FAILED,
        unsentCount: 25,
        firstFailure: { code: 'AccessDenied', message: 'not authorized to sqs:SendMessage' },
        cause: denied,
      });
    });

    it('counts exactly the letters SQS did not confirm when only one request fails', async () => {
      // Prepare
      const confirmed = new Set<string>();
      sqsMock
        .on(SendMessageBatchCommand)
        .rejectsOnce(new Error('socket hang up'))
        .callsFake((input: SendMessageBatchCommandInput) => {
          for (const entry of input.Entries ?? []) confirmed.add(entry.Id ?? '');
          return acceptAll(input);
        });

      // Act
      const error = await caught(writerWith().write(Array.from({ length: 25 }, (_, i) => letterOf(i))));

      // Assess
      expect(error).toBeInstanceOf(DeadLetterWriteError);
      expect((error as DeadLetterWriteError).unsentCount).toBe(25 - confirmed.size);
      expect((error as DeadLetterWriteError).unsentCount).toBeGreaterThanOrEqual(10);
      expect(sentEntries().flat().filter((entry) => confirmed.has(entry.Id ?? ''))).toHaveLength(confirmed.size);
    });
  });

  describe('on a FIFO queue', () => {
    it('groups by topic and partition and derives the deduplication id from the record and reason', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
      const writer = writerWith({ queueUrl: FIFO_QUEUE_URL });

      // Act
      await writer.write([letterOf(42), letterOf(43)]);
      await writer.write([letterOf(42)]);

      // Assess
      const [a, b, again] = sentEntries().flat();
      expect(a?.MessageGroupId).toBe('orders-3');
      expect(b?.MessageGroupId).toBe('orders-3');
      const expected = createHash('sha256').update('order-enricher/orders/3/42/PROCESSING_ERROR').digest('hex');
      expect(a?.MessageDeduplicationId).toBe(expected);
      expect(again?.MessageDeduplicationId).toBe(expected);
      expect(b?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
      expect(b?.MessageDeduplicationId).not.toBe(expected);
    });

    it('keeps a message group id within the SQS limit for a long topic name', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);

      // Act
      await writerWith({ queueUrl: FIFO_QUEUE_URL }).write([letterOf(1, { topic: 't'.repeat(249) })]);

      // Assess
      const groupId = sentEntries()[0]?.[0]?.MessageGroupId ?? '';
      expect(groupId.length).toBeLessThanOrEqual(128);
      expect(groupId.endsWith('-3')).toBe(true);
    });
  });

  it.each([
    ['s3 without offloadBucket', { s3 }],
    ['offloadBucket without s3', { offloadBucket: BUCKET }],
    ['maxMessageBytes over 1 MiB', { maxMessageBytes: 2_000_000 }],
    ['maxAttempts of 0', { maxAttempts: 0 }],
  ])('throws at construction for %s', (_label, props) => {
    expect(() => writerWith(props)).toThrow(/SqsDeadLetterWriter/);
  });

  it('writes every letter exactly once, offloading the oversized ones, despite random retryable failures', async () => {
    const maxMessageBytes = 4096;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ value: fc.uint8Array({ maxLength: 4000 }), failFirst: fc.boolean() }), { maxLength: 40 }),
        async (specs) => {
          // Prepare
          sqsMock.reset();
          s3Mock.reset();
          const objects = s3Bucket();
          const delivered: SendMessageBatchRequestEntry[] = [];
          const failedOnce = new Set<number>();
          const requestSizes: number[] = [];
          sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
            const entries = input.Entries ?? [];
            requestSizes.push(totalSize(entries));
            const result = { Successful: [] as SentEntry[], Failed: [] as FailedEntry[] };
            for (const entry of entries) {
              const { offset } = parseDeadLetter(entry.MessageBody ?? '');
              if (specs[offset]?.failFirst === true && !failedOnce.has(offset)) {
                failedOnce.add(offset);
                result.Failed.push({ Id: entry.Id ?? '', SenderFault: false, Code: 'InternalError' });
              } else {
                delivered.push(entry);
                result.Successful.push(succeeded(entry));
              }
            }
            return result;
          });
          const letters = specs.map((spec, offset) =>
            createDeadLetter({
              processor: 'p',
              reason: DeadLetterReason.DECODE_ERROR,
              error: 'x',
              record: kafkaRecord({ topic: 't', offset, value: spec.value, key: null, headers: [] }),
              now: NOW,
            }),
          );

          // Act
          await writerWith({ s3, offloadBucket: BUCKET, maxMessageBytes }).write(letters);

          // Assess
          const bodies = delivered.map((entry) => entry.MessageBody ?? '');
          const sentOffsets = bodies.map((body) => parseDeadLetter(body).offset).sort((x, y) => x - y);
          expect(sentOffsets).toEqual(letters.map((letter) => letter.offset));
          const resolved = await Promise.all(bodies.map((body) => resolveDeadLetter(body, s3)));
          expect(resolved.sort((x, y) => x.offset - y.offset)).toEqual(letters);
          for (const entry of delivered) {
            const letter = parseDeadLetter(entry.MessageBody ?? '');
            const full = letters[letter.offset];
            const fullSize = sizeOf({ ...entry, MessageBody: serializeDeadLetter(full ?? letter) });
            expect(isOffloaded(letter)).toBe(fullSize > maxMessageBytes);
          }
          expect(objects.size).toBe(bodies.filter((body) => isOffloaded(parseDeadLetter(body))).length);
          for (const entries of sentEntries()) expect(entries.length).toBeLessThanOrEqual(10);
          for (const size of requestSizes) expect(size).toBeLessThanOrEqual(maxMessageBytes);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('resolveDeadLetter', () => {
  it('throws DeadLetterResolveError when the object is missing', async () => {
    // Prepare
    s3Bucket();
    const location = { bucket: BUCKET, key: 'dead-letters/gone.json', bytes: 10 };
    const body = serializeDeadLetter(toOffloadedDeadLetter(letterOf(1), location));

    // Act
    const error = await caught(resolveDeadLetter(body, s3));

    // Assess
    expect(error).toBeInstanceOf(DeadLetterResolveError);
    expect(error).toMatchObject({ bucket: BUCKET, key: 'dead-letters/gone.json' });
  });

  it('throws DeadLetterResolveError when the object holds a different record', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const objects = s3Bucket();
    await writerWith({ s3, offloadBucket: BUCKET }).write([letterOf(42, { valueBytes: 300_000 })]);
    const [storedKey] = [...objects.keys()];
    objects.set(storedKey ?? '', serializeDeadLetter(letterOf(41, { valueBytes: 300_000 })));

    // Act
    const error = await caught(resolveDeadLetter(sentEntries()[0]?.[0]?.MessageBody ?? '', s3));

    // Assess
    expect(error).toBeInstanceOf(DeadLetterResolveError);
  });
});
