import type { InputLag } from './consumer-lag.js';

/** One round of `rtp lag`: every input measured, with the totals a script or CI check acts on. */
export interface LagReport {
  /** ISO time of the measurement. */
  readonly at: string;
  readonly target: string;
  readonly inputs: readonly InputLag[];
  readonly totalOffsetLag: number;
  /** The largest time lag of any input; null if one could not be read. */
  readonly maxTimeLagMs: number | null;
  /** The `--max-lag` threshold, when given. */
  readonly maxLag?: number;
  /** True when `--max-lag` was given and the total offset lag is above it. */
  readonly exceeded: boolean;
}

export function lagReport(target: string, inputs: readonly InputLag[], at: Date, maxLag?: number): LagReport {
  const totalOffsetLag = inputs.reduce((sum, i) => sum + i.totalOffsetLag, 0);
  const timeLags = inputs.map((i) => i.maxTimeLagMs);
  return {
    at: at.toISOString(),
    target,
    inputs,
    totalOffsetLag,
    maxTimeLagMs: timeLags.includes(null) ? null : Math.max(0, ...(timeLags as number[])),
    ...(maxLag === undefined ? {} : { maxLag }),
    exceeded: maxLag !== undefined && totalOffsetLag > maxLag,
  };
}

const HEADER = ['processor', 'topic', 'group', 'state', 'partition', 'committed', 'end', 'lag', 'time lag'] as const;

/** The report as a table for people: one row per partition, a total row per input, and a closing line. */
export function formatLagReport(report: LagReport): string[] {
  const rows: string[][] = [];
  for (const input of report.inputs) {
    for (const p of input.partitions) {
      rows.push([input.processor, input.topic, input.consumerGroupId, `${input.groupState} (${input.members})`, String(p.partition), p.committedOffset === null ? 'none' : String(p.committedOffset), String(p.endOffset), String(p.offsetLag), formatDuration(p.timeLagMs)]);
    }
    rows.push(['', '', '', '', 'total', '', '', String(input.totalOffsetLag), formatDuration(input.maxTimeLagMs)]);
  }
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  // Numbers right-aligned, names left-aligned.
  const numeric = new Set([4, 5, 6, 7, 8]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const verdict =
    report.maxLag === undefined ? '' : report.exceeded ? `, above --max-lag ${report.maxLag}` : `, within --max-lag ${report.maxLag}`;
  return [
    `consumer lag on the ${report.target} at ${report.at}`,
    line(HEADER),
    ...rows.map(line),
    `total lag ${report.totalOffsetLag} records, oldest unconsumed ${formatDuration(report.maxTimeLagMs)} behind${verdict}`,
  ];
}

/** 0 ms, 850 ms, 4.2 s, 3 min 5 s, 2 h 14 min; "?" when unknown. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '?';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.floor((ms % 60_000) / 1_000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.floor((ms % 3_600_000) / 60_000)} min`;
}
