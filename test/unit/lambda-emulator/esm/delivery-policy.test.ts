import { describe, expect, it } from 'vitest';
import type { KafkaEventRecord } from '../../../../functions/core/msk/types.js';
import { kafkaBatchResponse } from '../../../../functions/core/msk/batch-response.js';
import {
  InvocationResult,
  admit,
  bisect,
  decide,
  effectiveRetryAttempts,
  payloadTooLarge,
  readBatchResponse,
  type Attempt,
  type DeliveryPolicy,
} from '../../../../scripts/lambda-emulator/esm/delivery-policy.js';

const NOW = 1_767_225_600_000;
const POLICY: DeliveryPolicy = { retryAttempts: -1, maximumRecordAgeMs: -1, bisectBatchOnFunctionError: false, reportBatchItemFailures: true };

function record(topic: string, partition: number, offset: number, timestamp = NOW - 1_000): KafkaEventRecord {
  return { topic, partition, offset, timestamp, timestampType: 'CREATE_TIME', value: 'e30=', headers: [] };
}

/** orders-0 offsets 10..12 and orders-1 offsets 5..6, in event order. */
function fresh(): Attempt {
  return {
    records: [record('orders', 0, 10), record('orders', 0, 11), record('orders', 0, 12), record('orders', 1, 5), record('orders', 1, 6)],
    invokeCount: 0,
  };
}

const offsetsOf = (attempt: Attempt | undefined): string[] => (attempt?.records ?? []).map((r) => `${r.topic}-${r.partition}@${r.offset}`);
const failures = (...items: [string, number][]) => ({ batchItemFailures: items.map(([partition, offset]) => ({ itemIdentifier: { partition, offset } })) });

describe('readBatchResponse', () => {
  const records = fresh().records;

  it.each([
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
    ['a string', 'ok'],
  ])('reads %s as success', (_name, response) => {
    expect(readBatchResponse(response, records, true)).toEqual({ kind: 'success' });
  });

  it('ignores reported failures when ReportBatchItemFailures is off', () => {
    expect(readBatchResponse(failures(['orders-0', 11]), records, false)).toEqual({ kind: 'success' });
  });

  it('resumes each reported partition from its lowest reported offset', () => {
    const reading = readBatchResponse(failures(['orders-0', 12], ['orders-0', 11], ['orders-1', 6]), records, true);
    expect(reading).toEqual({ kind: 'partial', resumeAt: new Map([['orders-0', 11], ['orders-1', 6]]) });
  });

  it('accepts what the handlers build with kafkaBatchResponse', () => {
    const response = kafkaBatchResponse([{ topic: 'orders', partition: 1, offset: 5 }]);
    expect(readBatchResponse(JSON.parse(JSON.stringify(response)), records, true).kind).toBe('partial');
  });

  it.each([
    ['a list that is not a list', { batchItemFailures: 'orders-0-11' }, /not a list/],
    ['a null entry', { batchItemFailures: [null] }, /itemIdentifier is not/],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, /itemIdentifier is not/],
    ['the string identifier some middleware documents', { batchItemFailures: [{ itemIdentifier: 'orders-0-11' }] }, /itemIdentifier is not/],
    ['an offset given as a string', failures(['orders-0', '11' as unknown as number]), /integer offset/],
    ['a partition not in the event', failures(['orders-9', 11]), /orders-9 offset 11, which was not in the event/],
    ['an offset not in the event', failures(['orders-0', 13]), /orders-0 offset 13/],
    ['an offset below the batch', failures(['orders-0', 9]), /orders-0 offset 9/],
  ])('fails the whole batch for %s', (_name, response, detail) => {
    const reading = readBatchResponse(response, records, true);
    expect(reading.kind).toBe('invalid');
    expect(reading.kind === 'invalid' ? reading.detail : '').toMatch(detail);
  });
});

describe('decide', () => {
  it('commits past every partition when the function succeeds', () => {
    const decision = decide(fresh(), { kind: 'returned', response: { batchItemFailures: [] } }, 'req-1', NOW, POLICY);

    expect(decision).toEqual({
      result: InvocationResult.SUCCESS,
      commits: [
        { topic: 'orders', partition: 0, offset: 13 },
        { topic: 'orders', partition: 1, offset: 7 },
      ],
      giveUps: [],
      next: [],
    });
  });

  it('redelivers only a reported partition from its offset and commits the rest', () => {
    const decision = decide(fresh(), { kind: 'returned', response: failures(['orders-0', 11]) }, 'req-1', NOW, POLICY);

    expect(decision.result).toBe(InvocationResult.PARTIAL_FAILURE);
    expect(decision.detail).toBe('orders-0@11');
    expect(decision.commits).toEqual([
      { topic: 'orders', partition: 1, offset: 7 },
      { topic: 'orders', partition: 0, offset: 11 },
    ]);
    expect(decision.next).toHaveLength(1);
    expect(offsetsOf(decision.next[0])).toEqual(['orders-0@11', 'orders-0@12']);
    expect(decision.next[0]).toMatchObject({ invokeCount: 1, lastInvocation: { requestId: 'req-1', functionError: false } });
  });

  it('redelivers the whole batch, committing nothing new, when the function throws', () => {
    const decision = decide(fresh(), { kind: 'threw', error: new TypeError('boom') }, 'req-1', NOW, POLICY);

    expect(decision.result).toBe(InvocationResult.FUNCTION_ERROR);
    expect(decision.detail).toBe('TypeError: boom');
    expect(decision.commits).toEqual([]);
    expect(offsetsOf(decision.next[0])).toEqual(offsetsOf(fresh()));
    expect(decision.next[0]).toMatchObject({ invokeCount: 1, lastInvocation: { requestId: 'req-1', functionError: true } });
  });

  it('treats a timeout as a function error with the message Lambda logs', () => {
    const decision = decide(fresh(), { kind: 'timedOut', timeoutMs: 3_000 }, 'req-1', NOW, POLICY);

    expect(decision.result).toBe(InvocationResult.TIMEOUT);
    expect(decision.detail).toBe('Task timed out after 3.00 seconds');
    expect(decision.next[0]?.records).toHaveLength(5);
  });

  it('retries the whole batch when the response names an offset that was not in the event', () => {
    const decision = decide(fresh(), { kind: 'returned', response: failures(['orders-0', 99]) }, 'req-1', NOW, POLICY);

    expect(decision.result).toBe(InvocationResult.INVALID_RESPONSE);
    expect(offsetsOf(decision.next[0])).toEqual(offsetsOf(fresh()));
  });

  it('gives up with RetryAttemptsExhausted and commits past when no retries are left', () => {
    const policy = { ...POLICY, retryAttempts: 0 };
    const decision = decide(fresh(), { kind: 'threw', error: 'nope' }, 'req-1', NOW, policy);

    expect(decision.next).toEqual([]);
    expect(decision.commits).toEqual([
      { topic: 'orders', partition: 0, offset: 13 },
      { topic: 'orders', partition: 1, offset: 7 },
    ]);
    expect(decision.giveUps).toHaveLength(1);
    expect(decision.giveUps[0]).toMatchObject({ condition: 'RetryAttemptsExhausted', attempt: { invokeCount: 1 } });
    expect(decision.detail).toBe('nope');
  });

  it('allows exactly retryAttempts retries after the first invocation', () => {
    const policy = { ...POLICY, retryAttempts: 2 };
    let attempt = fresh();
    const results: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const decision = decide(attempt, { kind: 'threw', error: new Error('x') }, `req-${i}`, NOW, policy);
      results.push(decision.giveUps.length > 0 ? 'gave up' : 'retry');
      attempt = decision.next[0] ?? decision.giveUps[0]!.attempt;
    }

    expect(results).toEqual(['retry', 'retry', 'gave up']);
    expect(attempt.invokeCount).toBe(3);
  });

  it('gives up only the reported records when a partial failure runs out of retries', () => {
    const policy = { ...POLICY, retryAttempts: 0 };
    const decision = decide(fresh(), { kind: 'returned', response: failures(['orders-1', 6]) }, 'req-1', NOW, policy);

    expect(offsetsOf(decision.giveUps[0]?.attempt)).toEqual(['orders-1@6']);
    expect(decision.giveUps[0]?.attempt.lastInvocation).toEqual({ requestId: 'req-1', functionError: false });
    expect(decision.commits).toContainEqual({ topic: 'orders', partition: 1, offset: 7 });
  });

  it('bisects a failed batch into ordered halves that keep the retry count', () => {
    const policy = { ...POLICY, bisectBatchOnFunctionError: true };
    const decision = decide(fresh(), { kind: 'threw', error: new Error('poison') }, 'req-1', NOW, policy);

    expect(decision.next.map(offsetsOf)).toEqual([
      ['orders-0@10', 'orders-0@11', 'orders-0@12'],
      ['orders-1@5', 'orders-1@6'],
    ]);
    expect(decision.next.map((a) => a.invokeCount)).toEqual([1, 1]);
  });

  it('does not bisect a partial failure: it retries from the reported offset', () => {
    const policy = { ...POLICY, bisectBatchOnFunctionError: true };
    const decision = decide(fresh(), { kind: 'returned', response: failures(['orders-0', 10]) }, 'req-1', NOW, policy);

    expect(decision.next.map(offsetsOf)).toEqual([['orders-0@10', 'orders-0@11', 'orders-0@12']]);
  });

  it('gives up retried records that have outlived the maximum record age', () => {
    // Prepare: orders-0@10 is two minutes old, the rest one second.
    const policy = { ...POLICY, maximumRecordAgeMs: 60_000 };
    const attempt: Attempt = { ...fresh(), records: [record('orders', 0, 10, NOW - 120_000), ...fresh().records.slice(1)] };

    // Act
    const decision = decide(attempt, { kind: 'threw', error: new Error('x') }, 'req-1', NOW, policy);

    // Assess
    expect(decision.giveUps).toHaveLength(1);
    expect(decision.giveUps[0]).toMatchObject({ condition: 'MaximumRecordAgeExceeded', attempt: { invokeCount: 1 } });
    expect(offsetsOf(decision.giveUps[0]?.attempt)).toEqual(['orders-0@10']);
    expect(offsetsOf(decision.next[0])).toEqual(['orders-0@11', 'orders-0@12', 'orders-1@5', 'orders-1@6']);
    expect(decision.commits).toContainEqual({ topic: 'orders', partition: 0, offset: 11 });
  });
});

describe('admit', () => {
  it('lets everything through when records never expire', () => {
    const attempt = { ...fresh(), records: [record('orders', 0, 1, 0)] };
    expect(admit(attempt, NOW, { maximumRecordAgeMs: -1 })).toEqual({ commits: [], giveUps: [], next: [attempt] });
  });

  it('gives up expired records before they are sent and commits up to the first live one', () => {
    const attempt: Attempt = {
      records: [record('orders', 0, 1, NOW - 90_000), record('orders', 0, 2, NOW), record('orders', 1, 7, NOW - 90_000)],
      invokeCount: 0,
    };

    const step = admit(attempt, NOW, { maximumRecordAgeMs: 60_000 });

    expect(step.commits).toEqual([
      { topic: 'orders', partition: 0, offset: 2 },
      { topic: 'orders', partition: 1, offset: 8 },
    ]);
    expect(step.giveUps).toHaveLength(1);
    expect(step.giveUps[0]?.attempt).toMatchObject({ invokeCount: 0 });
    expect(offsetsOf(step.giveUps[0]?.attempt)).toEqual(['orders-0@1', 'orders-1@7']);
    expect(offsetsOf(step.next[0])).toEqual(['orders-0@2']);
  });

  it('does not commit past live records that precede an expired one', () => {
    const attempt: Attempt = { records: [record('orders', 0, 1, NOW), record('orders', 0, 2, NOW - 90_000)], invokeCount: 0 };

    const step = admit(attempt, NOW, { maximumRecordAgeMs: 60_000 });

    expect(step.commits).toEqual([]);
    expect(offsetsOf(step.next[0])).toEqual(['orders-0@1']);
  });

  it('leaves nothing to invoke when every record expired', () => {
    const attempt: Attempt = { records: [record('orders', 0, 1, 0)], invokeCount: 2 };
    const step = admit(attempt, NOW, { maximumRecordAgeMs: 60_000 });
    expect(step.next).toEqual([]);
    expect(step.commits).toEqual([{ topic: 'orders', partition: 0, offset: 2 }]);
  });
});

describe('bisect', () => {
  it('keeps a single record whole', () => {
    const attempt: Attempt = { records: [record('orders', 0, 1)], invokeCount: 4 };
    expect(bisect(attempt)).toEqual([attempt]);
  });

  it('puts the extra record of an odd batch in the first half', () => {
    expect(bisect(fresh()).map((a) => a.records.length)).toEqual([3, 2]);
  });
});

describe('effectiveRetryAttempts and payloadTooLarge', () => {
  it('caps infinite retries at 10 only when an on-failure destination is set', () => {
    expect(effectiveRetryAttempts(-1, true)).toBe(10);
    expect(effectiveRetryAttempts(-1, false)).toBe(-1);
    expect(effectiveRetryAttempts(3, true)).toBe(3);
  });

  it('gives up an oversized record with MaximumPayloadSizeExceeded and commits past it', () => {
    const attempt: Attempt = { records: [record('orders', 2, 40)], invokeCount: 0 };
    expect(payloadTooLarge(attempt)).toEqual({
      commits: [{ topic: 'orders', partition: 2, offset: 41 }],
      giveUps: [{ attempt, condition: 'MaximumPayloadSizeExceeded' }],
      next: [],
    });
  });
});
