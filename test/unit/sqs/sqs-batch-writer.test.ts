import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { SqsBatchConfigError, SqsBatchSendError, SqsMessageTooLargeError } from '../../../functions/core/sqs/errors.js';
import { SqsBatchWriter, type SqsBatchWriterProps, type SqsMessage } from '../../../functions/core/sqs/sqs-batch-writer.js';
import { caught } from '../../helpers/caught.js';
import { acceptAll, failingIds, sqsMock, succeeded } from '../../helpers/sqs-batch-answers.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/things';

const sqs = new SQSClient({ region: 'eu-west-1' });
const noSleep = (): Promise<void> => Promise.resolve();

function writerWith(props: Partial<SqsBatchWriterProps> = {}): SqsBatchWriter {
  return new SqsBatchWriter({ sqs, queueUrl: QUEUE_URL, sleep: noSleep, ...props });
}

function messages(count: number, bodyBytes = 10): SqsMessage[] {
  return Array.from({ length: count }, (_, i) => ({ MessageBody: String(i).padEnd(bodyBytes, '.') }));
}

function sentIds(): string[][] {
  return sqsMock.commandCalls(SendMessageBatchCommand).map((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.Id ?? ''));
}

function sdkError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} from SQS`), { name, $metadata: { httpStatusCode } });
}

beforeEach(() => {
  sqsMock.reset();
});

describe('SqsBatchWriter', () => {
  it('makes no call for an empty send', async () => {
    await writerWith().send([]);

    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('sends each message once with its index as the entry id, 10 to a request', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);

    // Act
    await writerWith().send(messages(21));

    // Assess
    expect(sentIds().map((ids) => ids.length)).toEqual([10, 10, 1]);
    expect(sentIds().flat()).toEqual(Array.from({ length: 21 }, (_, i) => String(i)));
    expect(sqsMock.commandCalls(SendMessageBatchCommand).every((call) => call.args[0].input.QueueUrl === QUEUE_URL)).toBe(true);
  });

  it('splits requests at the byte limit, counting message attributes', async () => {
    // Prepare: 300 bytes of body and 100 of attributes, so two fit in 1000 bytes
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const attributes = { a: { DataType: 'String', StringValue: 'v'.repeat(93) } };
    const batch = Array.from({ length: 5 }, () => ({ MessageBody: 'x'.repeat(300), MessageAttributes: attributes }));

    // Act
    await writerWith({ maxBatchBytes: 1_000 }).send(batch);

    // Assess
    expect(sentIds()).toEqual([['0', '1'], ['2', '3'], ['4']]);
  });

  it('refuses, before sending anything, a message that cannot fit a request on its own', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const batch = [{ MessageBody: 'small' }, { MessageBody: 'x'.repeat(990), MessageAttributes: { a: { DataType: 'String', StringValue: 'abcd' } } }];

    // Act
    const error = await caught(writerWith({ maxBatchBytes: 1_000 }).send(batch));

    // Assess
    expect(error).toBeInstanceOf(SqsMessageTooLargeError);
    expect(error).toMatchObject({ reason: 'MESSAGE_TOO_LARGE', oversized: [{ index: 1, bytes: 1_001 }], maxBytes: 1_000 });
    expect(sqsMock.calls()).toHaveLength(0);
  });

  describe('when SQS reports failed entries', () => {
    it('re-sends only the entries that failed without sender fault, after a backoff', async () => {
      // Prepare
      const failedOnce = new Set<string>();
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failingIds((id) => {
          if (id === '2') return { SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad attribute' };
          if (!['1', '4'].includes(id) || failedOnce.has(id)) return undefined;
          failedOnce.add(id);
          return { SenderFault: false, Code: 'InternalError', Message: 'try again' };
        }),
      );
      const sleeps: number[] = [];

      // Act
      const error = await caught(writerWith({ baseDelayMs: 100, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }).send(messages(6)));

      // Assess: the sender fault is never re-sent; the retryable failures are, once
      expect(sentIds()).toEqual([['0', '1', '2', '3', '4', '5'], ['1', '4']]);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(sleeps[0]).toBeLessThanOrEqual(100);
      expect(error).toBeInstanceOf(SqsBatchSendError);
      expect(error).toMatchObject({
        reason: 'SEND_FAILED',
        unsent: [{ index: 2, failure: { code: 'InvalidParameterValue', message: 'bad attribute' } }],
        totalCount: 6,
        attempts: 1,
      });
    });

    it('gives up after maxAttempts and names every entry that was not confirmed', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failingIds((id) => (['3', '12'].includes(id) ? { SenderFault: false, Code: 'ThrottlingException', Message: 'slow down' } : undefined)),
      );

      // Act
      const error = await caught(writerWith({ maxAttempts: 3 }).send(messages(15)));

      // Assess
      expect(error).toBeInstanceOf(SqsBatchSendError);
      const failure = { code: 'ThrottlingException', message: 'slow down' };
      expect(error).toMatchObject({ unsent: [{ index: 3, failure }, { index: 12, failure }], totalCount: 15, attempts: 3, firstFailure: failure });
      expect((error as Error).message).toMatch(/^2 of 15 message\(s\) \(#3, #12\) were not sent to .*things after 3 attempt\(s\): ThrottlingException: slow down$/);
      expect(sentIds().filter((ids) => ids.length === 1)).toEqual([['3'], ['3'], ['12'], ['12']]);
    });

    it('re-sends an entry SQS reported neither as sent nor as failed', async () => {
      // Prepare
      sqsMock
        .on(SendMessageBatchCommand)
        .callsFakeOnce((input: SendMessageBatchCommandInput) => ({ Successful: (input.Entries ?? []).slice(1).map(succeeded), Failed: [] }))
        .callsFake(acceptAll);

      // Act
      await writerWith().send(messages(2));

      // Assess
      expect(sentIds()).toEqual([['0', '1'], ['0']]);
    });
  });

  describe('when a request throws', () => {
    it.each([
      ['a throttling error', sdkError('ThrottlingException', 400)],
      ['a 503', sdkError('ServiceUnavailable', 503)],
      ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('sends the request again after %s', async (_label, thrown) => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).rejectsOnce(thrown).callsFake(acceptAll);

      // Act
      await writerWith().send(messages(3));

      // Assess
      expect(sentIds()).toEqual([['0', '1', '2'], ['0', '1', '2']]);
    });

    it('stops after an error that is not retryable, naming the entries of that request and of those not started', async () => {
      // Prepare
      const denied = sdkError('AccessDenied', 403);
      sqsMock.on(SendMessageBatchCommand).callsFakeOnce(acceptAll).rejects(denied);

      // Act
      const error = await caught(writerWith().send(messages(25)));

      // Assess
      expect(sentIds().map((ids) => ids.length)).toEqual([10, 10]);
      expect(error).toBeInstanceOf(SqsBatchSendError);
      expect(error).toMatchObject({ totalCount: 25, attempts: 1, firstFailure: { code: 'AccessDenied', message: 'AccessDenied from SQS' }, cause: denied });
      expect((error as SqsBatchSendError).unsent.map((u) => u.index)).toEqual(Array.from({ length: 15 }, (_, i) => i + 10));
    });

    it('gives up on a throttled request after maxAttempts, with the error as the cause', async () => {
      // Prepare
      const throttled = sdkError('ThrottlingException', 400);
      sqsMock.on(SendMessageBatchCommand).rejects(throttled);

      // Act
      const error = await caught(writerWith({ maxAttempts: 2 }).send(messages(2)));

      // Assess
      expect(sentIds()).toEqual([['0', '1'], ['0', '1']]);
      expect(error).toMatchObject({ unsent: [{ index: 0 }, { index: 1 }], attempts: 2, firstFailure: { code: 'ThrottlingException' }, cause: throttled });
    });
  });

  describe('with preserveGroupOrder', () => {
    const grouped = (groups: readonly string[]): SqsMessage[] => groups.map((group, i) => ({ MessageBody: `m${i}`, MessageGroupId: group }));

    it('sends a group’s messages in separate requests, each done before the next starts', async () => {
      // Prepare: the first request fails a's first message once
      let failed = false;
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failingIds((id) => (id === '0' && !failed ? ((failed = true), { SenderFault: false, Code: 'InternalError' }) : undefined)),
      );

      // Act
      await writerWith({ preserveGroupOrder: true }).send(grouped(['a', 'a', 'b']));

      // Assess
      expect(sentIds()).toEqual([['0', '2'], ['0'], ['1']]);
    });

    it('stops at a sender fault, retrying nothing and naming everything after it', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failingIds((id) => (id === '2' ? { SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad group' } : id === '0' ? { SenderFault: false, Code: 'InternalError' } : undefined)),
      );

      // Act
      const error = await caught(writerWith({ preserveGroupOrder: true }).send(grouped(['a', 'a', 'b', 'c'])));

      // Assess
      expect(sentIds()).toEqual([['0', '2', '3']]);
      expect(error).toMatchObject({ firstFailure: { code: 'InvalidParameterValue', message: 'bad group' } });
      expect((error as SqsBatchSendError).unsent.map((u) => u.index)).toEqual([0, 1, 2]);
    });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    sqsMock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return acceptAll(input);
    });

    // Act
    await writerWith({ concurrency: 3 }).send(messages(95));

    // Assess
    expect(sentIds()).toHaveLength(10);
    expect(most).toBe(3);
  });

  it.each([
    ['queueUrl', { queueUrl: '' }, /queueUrl must be a non-empty queue URL, got ""/],
    ['maxBatchBytes', { maxBatchBytes: 1_048_577 }, /maxBatchBytes must be an integer from 1 to 1048576, got 1048577/],
    ['maxAttempts', { maxAttempts: 0 }, /maxAttempts must be an integer of 1 or more, got 0/],
    ['baseDelayMs', { baseDelayMs: Number.NaN }, /baseDelayMs must be 0 or more, got NaN/],
    ['concurrency', { concurrency: 2, preserveGroupOrder: true }, /concurrency must be an integer from 1 to 1, got 2/],
  ])('throws SqsBatchConfigError naming %s at construction', (prop, props, message) => {
    expect(() => writerWith(props)).toThrow(message);
    expect(() => writerWith(props)).toThrow(SqsBatchConfigError);
  });
});
