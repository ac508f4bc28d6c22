import { describe, expect, it } from 'vitest';
import { orderAnalytics } from '../../../functions/order-analytics/definition.js';
import { keyPartition, latenessRulesOf, plannedLateness, type LatenessRules, type PlannedRecord } from '../../../scripts/reference/planned-lateness.js';

// order-analytics' rules, written out: 5 s out-of-orderness; 1-minute revenue
// windows with 30 s allowed lateness; 5-minute risk windows sliding by a
// minute, no lateness.
const RULES: LatenessRules = {
  outOfOrdernessMs: 5_000,
  views: [
    { view: 'store-revenue', sizeMs: 60_000, slideMs: 60_000, allowedLatenessMs: 30_000 },
    { view: 'customer-risk', sizeMs: 300_000, slideMs: 60_000, allowedLatenessMs: 0 },
  ],
};

const at = (id: string, eventTime: number, partition = 0): PlannedRecord => ({ id, partition, eventTime });

describe('plannedLateness', () => {
  it('reads the rules order-analytics declares', () => {
    expect(latenessRulesOf(orderAnalytics({ partitions: 3 }))).toEqual(RULES);
  });

  it('calls nothing late on a partition that has seen nothing, however old', () => {
    expect(plannedLateness([at('a', 0), at('b', 10_000_000, 1)], RULES)).toEqual(new Map());
  });

  it('judges a record by its own partition\'s newest event time before it, less the out-of-orderness, less 1', () => {
    // [0, 60 000) stops taking records at watermark 89 999: newest 95 000 on the same partition.
    expect(plannedLateness([at('new', 95_000), at('old', 30_000)], RULES)).toEqual(new Map([['old', ['store-revenue']]]));
    // Exactly the out-of-orderness behind the window's closing point is still on time.
    expect(plannedLateness([at('new', 94_999), at('old', 30_000)], RULES)).toEqual(new Map());
    // The same newest event on another partition does not make it late.
    expect(plannedLateness([at('new', 95_000, 1), at('old', 30_000, 0)], RULES)).toEqual(new Map());
  });

  it('calls a record late for a hopping view only when its newest window has closed', () => {
    // 30 000 is in risk windows starting -240 000 .. 0; the newest, [0, 300 000), stops at 299 999.
    expect(plannedLateness([at('new', 305_000), at('old', 30_000)], RULES)).toEqual(new Map([['old', ['store-revenue', 'customer-risk']]]));
    expect(plannedLateness([at('new', 304_999), at('old', 30_000)], RULES)).toEqual(new Map([['old', ['store-revenue']]]));
  });

  it('does not judge a repeat, but lets its event time move the watermark', () => {
    const stream = [at('a', 100_000), at('b', 200_000, 1), at('b', 200_000), at('c', 100_000)];
    // c: newest on partition 0 is the repeat of b (200 000), watermark 194 999 >= 149 999 for [60 000, 120 000);
    // without the repeat it would be 100 000, watermark 94 999, on time.
    expect(plannedLateness(stream, RULES)).toEqual(new Map([['c', ['store-revenue']]]));
    expect(plannedLateness([at('a', 100_000), at('b', 200_000, 1), at('c', 100_000)], RULES)).toEqual(new Map());
    // A late repeat of a late event is not judged twice.
    expect(plannedLateness([at('a', 500_000), at('x', 1_000), at('x', 1_000)], RULES)).toEqual(new Map([['x', ['store-revenue', 'customer-risk']]]));
  });

  it('handles event times before the epoch', () => {
    // -30 000 is in [-60 000, 0), which stops at watermark 29 999.
    expect(plannedLateness([at('new', 35_000), at('old', -30_000)], RULES)).toEqual(new Map([['old', ['store-revenue']]]));
    expect(plannedLateness([at('new', 34_999), at('old', -30_000)], RULES)).toEqual(new Map());
  });
});

describe('keyPartition', () => {
  it('places keys as the Java client does', () => {
    // Utils.toPositive(Utils.murmur2(key bytes)) % n, from kafka-clients 4.3.1.
    const java: Array<[string, number, number]> = [
      ['o-0000001', 2, 5],
      ['o-0000002', 2, 5],
      ['o-0000003', 2, 2],
      ['o-0000042', 2, 11],
      ['o-0001234', 0, 0],
      ['21', 0, 12],
      ['abc', 0, 3],
    ];
    for (const [key, of3, of24] of java) expect([key, keyPartition(key, 3), keyPartition(key, 24)]).toEqual([key, of3, of24]);
  });
});
