/** Small statistics the benchmarks share; percentiles are the demo report's (scripts/reference/report.ts). */

/** The middle value, or the mean of the two middle values; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rounds to `digits` significant digits, so the table and results.json do not print noise. */
export function significant(value: number, digits = 3): number {
  return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(digits)) : value;
}

/** A count for the reader: thousands separated, at most one decimal. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/** How `ours` compares with `theirs` when fewer is better: "4.2× fewer" or, when ours is the larger, "1.3× more". */
export function ratio(ours: number, theirs: number): string {
  if (ours === 0) return 'none vs some:';
  const r = theirs / ours;
  return r >= 1 ? `${fmt(Math.round(r * 10) / 10)}× fewer` : `${fmt(Math.round((1 / r) * 10) / 10)}× more`;
}
