import { createHash } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../../functions/core/dlq/envelope.js';
import { DeadLetterWriteError, DeadLetterWriteErrorReason } from '../../../functions/core/dlq/errors.js';
import { caught } from '../../helpers/caught.js';
import { acceptAll, failing, sentEntries, sqsMock, succeeded } from '../../helpers/sqs-batch-answers.js';
import { BUCKET, FIFO_QUEUE_URL, LIMIT, letterOf, QUEUE_URL, s3, s3Mock, totalSize, writerWith } from './dead-letter-writer-fixtures.js';

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
      sqsMock.on(SendMessageBatchCommand).callsFake(failing((entry) => (entry.Id === '0' ? { SenderFault: false, Code: 'ThrottlingException', Message: 'slow down' } : undefined)));

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
      sqsMock.on(SendMessageBatchCommand).callsFake(failing((entry) => (entry.Id === '1' ? { SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad attribute' } : undefined)));

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

});
