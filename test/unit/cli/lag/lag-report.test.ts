import { describe, expect, it } from 'vitest';
import type { InputLag } from '../../../../scripts/cli/lag/consumer-lag.js';
import { formatDuration, formatLagReport, lagReport } from '../../../../scripts/cli/lag/lag-report.js';

const AT = new Date('2026-03-01T12:00:00.000Z');

function input(processor: string, lags: ReadonlyArray<[number, number | null]>, state = 'Stable'): InputLag {
  const partitions = lags.map(([offsetLag, timeLagMs], partition) => ({ partition, committedOffset: partition === 0 ? null : 10, startOffset: 0, endOffset: 10 + offsetLag, offsetLag, timeLagMs }));
  const timeLags = partitions.map((p) => p.timeLagMs);
  return {
    processor,
    topic: 'orders',
    consumerGroupId: `rtp-${processor}`,
    groupState: state,
    members: 1,
    partitions,
    totalOffsetLag: partitions.reduce((s, p) => s + p.offsetLag, 0),
    maxTimeLagMs: timeLags.includes(null) ? null : Math.max(0, ...(timeLags as number[])),
  };
}

describe('lagReport', () => {
  it('adds up the inputs and takes the largest time lag', () => {
    const report = lagReport('local stack', [input('a', [[3, 1_500], [0, 0]]), input('b', [[4, 9_000]])], AT);
    expect(report).toMatchObject({ at: '2026-03-01T12:00:00.000Z', totalOffsetLag: 7, maxTimeLagMs: 9_000, exceeded: false });
    expect(report).not.toHaveProperty('maxLag');
  });

  it('is exceeded only when the total is above --max-lag', () => {
    const inputs = [input('a', [[5, 100]])];
    expect(lagReport('t', inputs, AT, 5).exceeded).toBe(false);
    expect(lagReport('t', inputs, AT, 4)).toMatchObject({ maxLag: 4, exceeded: true });
  });

  it('reports the time lag as unknown when one partition could not be read', () => {
    expect(lagReport('t', [input('a', [[5, null], [1, 20]])], AT).maxTimeLagMs).toBeNull();
  });
});

describe('formatLagReport', () => {
  it('prints a row per partition, a total per input and the verdict', () => {
    const lines = formatLagReport(lagReport('local stack', [input('order-analytics', [[0, 0], [12, 4_200]], 'Empty')], AT, 10));
    expect(lines[0]).toBe('consumer lag on the local stack at 2026-03-01T12:00:00.000Z');
    expect(lines[1]).toMatch(/^processor\s+topic\s+group\s+state\s+partition\s+committed\s+end\s+lag\s+time lag$/);
    expect(lines[2]).toMatch(/^order-analytics\s+orders\s+rtp-order-analytics\s+Empty \(1\)\s+0\s+none\s+10\s+0\s+0 ms$/);
    expect(lines[3]).toMatch(/\s1\s+10\s+22\s+12\s+4\.2 s$/);
    expect(lines[4]).toMatch(/total\s+12\s+4\.2 s$/);
    expect(lines[5]).toBe('total lag 12 records, oldest unconsumed 4.2 s behind, above --max-lag 10');
  });
});

describe('formatDuration', () => {
  it.each([
    [null, '?'],
    [0, '0 ms'],
    [850, '850 ms'],
    [4_200, '4.2 s'],
    [185_000, '3 min 5 s'],
    [8_040_000, '2 h 14 min'],
  ])('%s ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
