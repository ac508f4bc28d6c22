import { runModel, TARGET_RULES, type ModelRules } from './window-model.js';
import { windowId, type FinalWindow, type WindowResults, type Workload } from './workload.js';

/** How one side's answer for a workload differs from the expected one. */
export interface ResultDiff {
  /** Expected windows the other side lacks (no window with that key, start and end). */
  readonly missing: readonly FinalWindow[];
  /** Windows the other side has that are not expected. */
  readonly extra: readonly FinalWindow[];
  /** Same window, another sum or count. */
  readonly wrong: ReadonlyArray<{ readonly expected: FinalWindow; readonly actual: FinalWindow }>;
  /** Expected late, not late on the other side. */
  readonly notLate: readonly string[];
  /** Late on the other side, not expected late. */
  readonly unexpectedLate: readonly string[];
  readonly windowsCompared: number;
  readonly windowsEqual: number;
}

export function diffResults(expected: WindowResults, actual: WindowResults): ResultDiff {
  const actualById = new Map(actual.windows.map((w) => [windowId(w), w]));
  const expectedIds = new Set(expected.windows.map(windowId));
  const missing: FinalWindow[] = [];
  const wrong: Array<{ expected: FinalWindow; actual: FinalWindow }> = [];
  let windowsEqual = 0;
  for (const w of expected.windows) {
    const other = actualById.get(windowId(w));
    if (other === undefined) missing.push(w);
    else if (other.sum !== w.sum || other.count !== w.count) wrong.push({ expected: w, actual: other });
    else windowsEqual += 1;
  }
  const expectedLate = new Set(expected.late);
  const actualLate = new Set(actual.late);
  return {
    missing,
    extra: actual.windows.filter((w) => !expectedIds.has(windowId(w))),
    wrong,
    notLate: [...expectedLate].filter((id) => !actualLate.has(id)),
    unexpectedLate: [...actualLate].filter((id) => !expectedLate.has(id)),
    windowsCompared: expected.windows.length,
    windowsEqual,
  };
}

export const windowsAgree = (d: ResultDiff): boolean => d.missing.length === 0 && d.extra.length === 0 && d.wrong.length === 0;
export const lateAgrees = (d: ResultDiff): boolean => d.notLate.length === 0 && d.unexpectedLate.length === 0;
export const agrees = (d: ResultDiff): boolean => windowsAgree(d) && lateAgrees(d);

/**
 * The known ways the engine has differed from its target, each as the rule
 * the engine used instead. A workload whose engine answer equals what the
 * model computes with one of them is put in that class; the first that
 * explains it wins, so a workload needing both rules is in the last one.
 */
export const KNOWN_DIFFERENCES: ReadonlyArray<{ readonly name: string; readonly rules: ModelRules }> = [
  { name: 'watermark one millisecond ahead of Flink (newest − outOfOrderness, Flink: − 1)', rules: { ...TARGET_RULES, watermarkLag: 0 } },
  {
    name: 'session record judged late by its own time (t − 1 + lateness <= watermark), not by the session it joins',
    rules: { ...TARGET_RULES, sessionLateness: 'record' },
  },
  { name: 'both: watermark one millisecond ahead, and the session record rule', rules: { ...TARGET_RULES, watermarkLag: 0, sessionLateness: 'record' } },
];

/** The class of an engine answer that differs from its target: a known difference that explains it exactly, or unexplained. */
export function classify(workload: Workload, engine: WindowResults): string {
  for (const known of KNOWN_DIFFERENCES) {
    const predicted = runModel(workload, known.rules);
    if (agrees(diffResults({ windows: predicted.windows, late: [...predicted.late] }, engine))) return known.name;
  }
  return `unexplained, ${workload.window.type} windows`;
}

const windowText = (w: FinalWindow): string => `${windowId(w)} sum ${w.sum} count ${w.count}`;

/** A workload and what differs, short enough to read in a failure message. */
export function describeDifference(workload: Workload, diff: ResultDiff, deliberate: ReadonlySet<string>): string {
  const shape = Object.entries(workload.window)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const lines = [
    `  ${workload.id}: ${shape}, allowedLateness=${workload.allowedLatenessMs}, outOfOrderness=${workload.outOfOrdernessMs}, ${workload.partitions} partition(s)`,
    `    records (id p key t value): ${workload.records.map((r) => `${r.id} p${r.partition} ${r.key} ${r.eventTime} ${r.value}`).join(', ')}`,
  ];
  if (deliberate.size > 0) lines.push(`    late by their partition's watermark only (expected late in ours): ${[...deliberate].join(', ')}`);
  if (diff.notLate.length > 0) lines.push(`    late in the target, not in ours: ${diff.notLate.join(', ')}`);
  if (diff.unexpectedLate.length > 0) lines.push(`    late in ours, not in the target: ${diff.unexpectedLate.join(', ')}`);
  for (const w of diff.missing) lines.push(`    window only in the target: ${windowText(w)}`);
  for (const w of diff.extra) lines.push(`    window only in ours: ${windowText(w)}`);
  for (const { expected, actual } of diff.wrong) lines.push(`    window ${windowId(expected)}: target sum ${expected.sum} count ${expected.count}, ours sum ${actual.sum} count ${actual.count}`);
  return lines.join('\n');
}
