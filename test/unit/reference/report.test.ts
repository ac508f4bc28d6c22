import { describe, expect, it } from 'vitest';
import { formatReport, percentile, type DemoFigures } from '../../../scripts/reference/report.js';

const figures = (backlog: DemoFigures['backlog']): DemoFigures => ({
  produced: 20_000,
  processed: 19_500,
  elapsedMs: 65_000,
  backlog,
  latenciesMs: [120, 180, 240, 900],
  deadLettersByReason: { LATE_EVENT: 9, DECODE_ERROR: 4 },
  alerts: 3,
  reconciliation: {
    differences: [
      { view: 'stock', key: '["SKU-1","web"]', truth: 3, pipeline: 4 },
      { view: 'late-orders', key: 'evt-order-1-7', truth: 'on time', pipeline: 'dead-lettered as LATE_EVENT' },
    ],
    stockKeysChecked: 210,
    revenueWindowsChecked: 480,
    lateOrdersPlanned: 9,
  },
});

describe('the demo report', () => {
  it('takes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)]).toEqual([50, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('ends with exactly `reconciliation: <n> differences`, after the differences themselves', () => {
    const lines = formatReport(figures({ records: 1_234, drainMs: 8_250 }));
    expect(lines.at(-1)).toBe('reconciliation: 2 differences');
    expect(lines.join('\n')).toContain('dead letters        DECODE_ERROR 4, LATE_EVENT 9');
    expect(lines.join('\n')).toContain('300 records/s');
    expect(lines.join('\n')).toContain('DIFFERENCE stock ["SKU-1","web"]: Postgres 3, DynamoDB 4');
    expect(lines.join('\n')).toContain('DIFFERENCE late-orders evt-order-1-7: plan "on time", dead letters "dead-lettered as LATE_EVENT"');
  });

  it('says apart from the latency what was left behind when the producer finished, and how long it took to drain', () => {
    expect(formatReport(figures({ records: 1_234, drainMs: 8_250 }))).toContain('  backlog drain       1234 records behind when the producer finished, drained in 8.3 s');
    expect(formatReport(figures({ records: 0, drainMs: 0 }))).toContain('  backlog drain       none: nothing was left when the producer finished');
  });
});
