import {
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchCommandInput,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { WindowEmitError, WindowEmitErrorReason, WindowEmitterConfigError } from '../../../functions/core/emit/errors.js';
import { SqsFifoEmitter, type SqsFifoEmitterProps } from '../../../functions/core/emit/sqs-fifo-emitter-writer.js';
import type { WindowEmission } from '../../../functions/core/emit/window-emitter.js';
import { caught } from '../../helpers/caught.js';
import { acceptAll, failing, sentEntries, sqsMock, succeeded } from '../../helpers/sqs-batch-answers.js';

const QUEUE_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/revenue-windows.fifo';
const LIMIT = 262_144;

const sqs = new SQSClient({ region: 'eu-west-1' });
const noSleep = (): Promise<void> => Promise.resolve();

function emission(key: string, window: number, bodyBytes?: number): WindowEmission {
  const body = bodyBytes === undefined ? JSON.stringify({ view: 'revenue', key, window }) : 'x'.repeat(bodyBytes);
  return { groupId: `g-${key}`, deduplicationId: `d-${key}-${window}`, body };
}

function emitterWith(props: Partial<SqsFifoEmitterProps> = {}): SqsFifoEmitter {
  return new SqsFifoEmitter({ sqs, queueUrl: QUEUE_URL, sleep: noSleep, ...props });
}

const dedupIds = (entries: readonly SendMessageBatchRequestEntry[]): Array<string | undefined> => entries.map((entry) => entry.MessageDeduplicationId);

beforeEach(() => {
  sqsMock.reset();
});

describe('SqsFifoEmitter', () => {
  it('makes no call for an empty emit', async () => {
    await emitterWith().emit([]);

    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('sends 25 emissions in requests of 10, with the emission ids and body', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const emissions = Array.from({ length: 25 }, (_, n) => emission(`k${n}`, 0));

    // Act
    await emitterWith().emit(emissions);

    // Assess
    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([10, 10, 5]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).every((call) => call.args[0].input.QueueUrl === QUEUE_URL)).toBe(true);
    expect(requests.flat()).toEqual(
      emissions.map((e, n) => ({ Id: String(n), MessageBody: e.body, MessageGroupId: e.groupId, MessageDeduplicationId: e.deduplicationId })),
    );
  });

  it('keeps each request within 256 KiB', async () => {
    // Prepare: 100 KB bodies, so two fit a request
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const emissions = Array.from({ length: 5 }, (_, n) => emission(`k${n}`, 0, 100_000));

    // Act
    await emitterWith().emit(emissions);

    // Assess
    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([2, 2, 1]);
    for (const entries of requests) expect(entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0)).toBeLessThanOrEqual(LIMIT);
  });

  it('puts at most one emission of a group in a request, in order, and fills requests with other groups', async () => {
    // Prepare: three windows of k0, then one each of nine other keys
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);
    const emissions = [0, 1, 2].map((w) => emission('k0', w)).concat(Array.from({ length: 9 }, (_, n) => emission(`k${n + 1}`, 0)));

    // Act
    await emitterWith().emit(emissions);

    // Assess
    const requests = sentEntries();
    expect(requests.map((entries) => entries.length)).toEqual([10, 1, 1]);
    expect(requests.map((entries) => entries.filter((e) => e.MessageGroupId === 'g-k0').map((e) => e.MessageDeduplicationId))).toEqual([
      ['d-k0-0'],
      ['d-k0-1'],
      ['d-k0-2'],
    ]);
  });

  describe('when SQS reports failed entries', () => {
    it('re-sends only the entries failed without sender fault, with backoff, before the next request', async () => {
      // Prepare
      const failedOnce = new Set<string>();
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failing((entry) => {
          const id = entry.MessageDeduplicationId ?? '';
          if (!['d-k1-0', 'd-k3-0'].includes(id) || failedOnce.has(id)) return undefined;
          failedOnce.add(id);
          return { SenderFault: false, Code: 'InternalError', Message: 'try again' };
        }),
      );
      const sleeps: number[] = [];
      const emissions = Array.from({ length: 10 }, (_, n) => emission(`k${n}`, 0)).concat([emission('k1', 1)]);

      // Act
      await emitterWith({ baseDelayMs: 100, sleep: (ms) => (sleeps.push(ms), Promise.resolve()) }).emit(emissions);

      // Assess: k1's second window goes out only after its first was accepted
      expect(sentEntries().map(dedupIds)).toEqual([emissions.slice(0, 10).map((e) => e.deduplicationId), ['d-k1-0', 'd-k3-0'], ['d-k1-1']]);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(0);
      expect(sleeps[0]).toBeLessThanOrEqual(100);
    });

    it('re-sends an entry SQS reported neither as sent nor as failed', async () => {
      // Prepare
      sqsMock
        .on(SendMessageBatchCommand)
        .callsFakeOnce((input: SendMessageBatchCommandInput) => ({ Successful: (input.Entries ?? []).slice(1).map(succeeded), Failed: [] }))
        .callsFake(acceptAll);

      // Act
      await emitterWith().emit([emission('a', 0), emission('b', 0)]);

      // Assess
      expect(sentEntries().map(dedupIds)).toEqual([['d-a-0', 'd-b-0'], ['d-a-0']]);
    });

    it('throws SEND_FAILED without retrying a SenderFault entry, counting it and everything after it', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failing((entry) => (entry.MessageDeduplicationId === 'd-k2-0' ? { SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad group id' } : undefined)),
      );
      const emissions = Array.from({ length: 15 }, (_, n) => emission(`k${n}`, 0));

      // Act
      const error = await caught(emitterWith().emit(emissions));

      // Assess
      expect(error).toBeInstanceOf(WindowEmitError);
      expect(error).toMatchObject({
        reason: WindowEmitErrorReason.SEND_FAILED,
        unsentCount: 6,
        totalCount: 15,
        firstFailure: { code: 'InvalidParameterValue', message: 'bad group id' },
      });
      expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
    });

    it('throws SEND_FAILED with the unsent count after maxAttempts of retryable failures', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).callsFake(
        failing((entry) => (entry.MessageDeduplicationId === 'd-b-0' ? { SenderFault: false, Code: 'ThrottlingException', Message: 'slow down' } : undefined)),
      );

      // Act
      const error = await caught(emitterWith({ maxAttempts: 3 }).emit([emission('a', 0), emission('b', 0), emission('c', 0)]));

      // Assess
      expect(error).toBeInstanceOf(WindowEmitError);
      expect(error).toMatchObject({
        reason: WindowEmitErrorReason.SEND_FAILED,
        unsentCount: 1,
        totalCount: 3,
        firstFailure: { code: 'ThrottlingException', message: 'slow down' },
      });
      expect((error as Error).message).toContain('1 of 3');
      expect(sentEntries().map(dedupIds)).toEqual([['d-a-0', 'd-b-0', 'd-c-0'], ['d-b-0'], ['d-b-0']]);
    });
  });

  it('throws SEND_FAILED with the cause when a request throws, and sends no further request', async () => {
    // Prepare
    const denied = Object.assign(new Error('not authorized to sqs:SendMessage'), { name: 'AccessDenied' });
    sqsMock.on(SendMessageBatchCommand).callsFakeOnce(acceptAll).rejects(denied);

    // Act
    const error = await caught(emitterWith().emit(Array.from({ length: 25 }, (_, n) => emission(`k${n}`, 0))));

    // Assess
    expect(error).toBeInstanceOf(WindowEmitError);
    expect(error).toMatchObject({
      reason: WindowEmitErrorReason.SEND_FAILED,
      unsentCount: 15,
      totalCount: 25,
      firstFailure: { code: 'AccessDenied', message: 'not authorized to sqs:SendMessage' },
      cause: denied,
    });
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
  });

  it('throws TOO_LARGE and sends nothing when a body is over 256 KiB', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(acceptAll);

    // Act: multi-byte characters, so the limit is checked in bytes, not characters
    const big = { ...emission('big', 0), body: 'é'.repeat(LIMIT / 2 + 1) };
    const error = await caught(emitterWith().emit([emission('a', 0), big, emission('at-limit', 0, LIMIT)]));

    // Assess
    expect(error).toBeInstanceOf(WindowEmitError);
    expect(error).toMatchObject({ reason: WindowEmitErrorReason.TOO_LARGE, unsentCount: 3, totalCount: 3, firstFailure: { code: 'MessageTooLong' } });
    expect((error as Error).message).toContain('1 emission(s)');
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it.each([
    ['queueUrl', { queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/revenue-windows' }, /FIFO deduplication.*revenue-windows"/],
    ['maxAttempts', { maxAttempts: 0 }, /maxAttempts.*got 0/],
    ['baseDelayMs', { baseDelayMs: -1 }, /baseDelayMs.*got -1/],
  ])('throws WindowEmitterConfigError naming %s at construction', (prop, props, message) => {
    const error = (() => {
      try {
        emitterWith(props);
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(WindowEmitterConfigError);
    expect(error).toMatchObject({ prop, value: (props as Record<string, unknown>)[prop] });
    expect((error as Error).message).toMatch(message);
  });

  it('sends every emission once, each group in order, and never two of a group in one request, despite random failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd'), bytes: fc.integer({ min: 1, max: 120_000 }), failures: fc.nat({ max: 2 }) }), { maxLength: 40 }),
        async (specs) => {
          // Prepare
          sqsMock.reset();
          const emissions = specs.map((spec, n) => emission(spec.key, n, spec.bytes));
          const failuresLeft = new Map(emissions.map((e, n) => [e.deduplicationId, specs[n]?.failures ?? 0]));
          const delivered: SendMessageBatchRequestEntry[] = [];
          sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
            const entries = input.Entries ?? [];
            expect(entries.length).toBeLessThanOrEqual(10);
            expect(entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody ?? ''), 0)).toBeLessThanOrEqual(LIMIT);
            expect(new Set(entries.map((e) => e.MessageGroupId)).size).toBe(entries.length);
            return failing((entry) => {
              const left = failuresLeft.get(entry.MessageDeduplicationId ?? '') ?? 0;
              if (left === 0) return (delivered.push(entry), undefined);
              failuresLeft.set(entry.MessageDeduplicationId ?? '', left - 1);
              return { SenderFault: false, Code: 'InternalError' };
            })(input);
          });

          // Act
          await emitterWith().emit(emissions);

          // Assess
          expect([...delivered].sort((x, y) => Number(x.Id) - Number(y.Id)).map((e) => e.MessageDeduplicationId)).toEqual(emissions.map((e) => e.deduplicationId));
          for (const group of ['g-a', 'g-b', 'g-c', 'g-d']) {
            const arrived = delivered.filter((e) => e.MessageGroupId === group).map((e) => e.MessageDeduplicationId);
            expect(arrived).toEqual(emissions.filter((e) => e.groupId === group).map((e) => e.deduplicationId));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
