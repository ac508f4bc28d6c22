/**
 * How measured scale cells are recorded and shown: merged into
 * bench/results.json's scale cells, filed under another design's name, the
 * provenance line and the table. Pure, so unit tests cover it
 * (test/unit/bench/scale-results.test.ts).
 */
import type { ScaleCell, ScaleDesign } from './figures.js';
import { cellKey } from './scale-plan.js';

const DESIGN_ORDER: readonly ScaleDesign[] = ['ours', 'previous', 'powertools'];

/** Cells measured now recorded under another design's name: `--save-as previous` files today's engine as the one before the rewrite. */
export function saveAs(cells: readonly ScaleCell[], design: ScaleDesign): ScaleCell[] {
  return cells.map((cell) => ({ ...cell, design }));
}

/**
 * bench/results.json's scale cells after a run: each measured cell replaces
 * the recorded one of the same design, P, C and batch size; recorded cells
 * the run did not measure (the previous design's, say) are kept as they are.
 */
export function mergeScaleCells(recorded: readonly ScaleCell[] | undefined, measured: readonly ScaleCell[]): ScaleCell[] {
  const byKey = new Map<string, ScaleCell>();
  for (const cell of recorded ?? []) byKey.set(cellKey(cell), cell);
  for (const cell of measured) byKey.set(cellKey(cell), cell);
  return [...byKey.values()].sort(
    (a, b) => DESIGN_ORDER.indexOf(a.design) - DESIGN_ORDER.indexOf(b.design) || a.partitions - b.partitions || a.processors - b.processors || a.batchSize - b.batchSize,
  );
}

/** Where and when the recorded cells of `design` were measured, for the line under the table. */
export function provenanceOf(cells: readonly ScaleCell[], design: ScaleDesign): string | undefined {
  const mine = cells.filter((c) => c.design === design);
  if (mine.length === 0) return undefined;
  const commits = [...new Set(mine.map((c) => c.commit ?? 'unknown commit'))];
  const times = mine.map((c) => c.measuredAt ?? '').filter((t) => t !== '').sort();
  const when = times.length === 0 ? 'at an unrecorded time' : times[0] === times.at(-1) ? `on ${times[0]}` : `from ${times[0]} to ${times.at(-1)}`;
  return `${design}: ${mine.length} cells measured on commit ${commits.join(', ')} ${when}`;
}

const number = (value: number | null, digits = 1): string => (value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));

/**
 * The scale table, one row per cell. A cell that is not exact says so in
 * its last column, and its figures are shown in brackets: they are not
 * valid measurements. Latencies of a paced phase that fell behind carry a
 * `*`, explained under the table.
 */
export function scaleTable(cells: readonly ScaleCell[]): string[] {
  const header = ['design', 'P×C', 'batch', 'records/s', 'conflicts/commit', 'redelivered', 'requests/1k', 'items/1k', 'WCU/1k', 'CPU ms/1k', 'e2e p50 ms', 'e2e p99 ms', 'exact'];
  const rows = cells.map((c) => {
    const behind = c.pacedKeptUp === false ? '*' : '';
    const figures = [
      number(c.recordsPerSec),
      number(c.conflictsPerCommit, 3),
      number(c.redeliveredPartitions, 0),
      number(c.requestsPer1000),
      number(c.itemsPer1000),
      number(c.wcuPer1000),
      number(c.cpuMsPer1000),
      `${number(c.e2eP50Ms, 0)}${c.e2eP50Ms === null ? '' : behind}`,
      `${number(c.e2eP99Ms, 0)}${c.e2eP99Ms === null ? '' : behind}`,
    ].map((f) => (c.exact || f === '—' ? f : `[${f}]`));
    const verdict = c.exact ? 'yes' : `NO: figures invalid${c.error === undefined ? '' : ` (${c.error})`}`;
    return [c.design, `${c.partitions}×${c.processors}`, String(c.batchSize), ...figures, verdict];
  });
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (i === header.length - 1 ? 0 : (r[i]?.length ?? 0)))));
  const lines = all.map((r) => r.map((value, i) => (i < 3 ? value.padEnd(widths[i] ?? 0) : i === r.length - 1 ? value : value.padStart(widths[i] ?? 0))).join('  ').trimEnd());
  if (cells.some((c) => c.pacedKeptUp === false)) {
    lines.push('* the paced phase fell behind (its backlog outlasted production by more than 5 s or a quarter of it): the latency is of a growing backlog, not of a pipeline below saturation.');
  }
  return lines;
}
