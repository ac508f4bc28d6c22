import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDeadLetter, isOffloaded, parseDeadLetter, serializeDeadLetter, toOffloadedDeadLetter } from '../../../functions/core/dlq/envelope.js';
import { DeadLetterResolveError, DeadLetterWriteError, DeadLetterWriteErrorReason } from '../../../functions/core/dlq/errors.js';
import { resolveDeadLetter } from '../../../functions/core/dlq/s3-offloaded-payloads.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';
import { caught } from '../../helpers/caught.js';
import { acceptAll, sentEntries, sqsMock, succeeded, type FailedEntry, type SentEntry } from '../../helpers/sqs-batch-answers.js';
import { BUCKET, LIMIT, letterOf, NOW, s3, s3Bucket, s3Mock, sizeOf, totalSize, writerWith } from './dead-letter-writer-fixtures.js';

beforeEach(() => {
  sqsMock.reset();
  s3Mock.reset();
});

describe('SqsDeadLetterWriter', () => {
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
