import type { ChaosRecord, ChaosScale } from './scenario.js';

/**
 * The chaos suite's summary: a line per planned scenario and one line for
 * the run,
 *   chaos (<scale>): <concluded> of <planned> scenarios concluded, <faults> faults injected, <lost> lost, <doubled> double-counted
 * A planned scenario with no report did not run; one whose report has no
 * verdict crashed before concluding. Either is a failure, named in the
 * line, as is a verdict that did not hold.
 */
export function summarizeChaos(scale: ChaosScale, planned: readonly string[], reports: ReadonlyMap<string, ChaosRecord>): { lines: string[]; failed: boolean } {
  const lines: string[] = [];
  const failures: string[] = [];
  let faults = 0;
  let lost = 0;
  let doubled = 0;
  let concluded = 0;
  for (const scenario of planned) {
    const record = reports.get(scenario);
    if (record === undefined || record.scale !== scale) {
      failures.push(`${scenario} did not run`);
      lines.push(`NO RUN ${scenario}: no report`);
      continue;
    }
    const injected = record.injected.reduce((n, i) => n + i.faults, 0);
    faults += injected;
    const v = record.verdict;
    if (v === undefined) {
      failures.push(`${scenario} crashed before its verdict`);
      lines.push(`CRASH  ${scenario} (seed ${record.seed}): ${injected} faults injected, then it failed before concluding; see its output`);
      continue;
    }
    concluded += 1;
    lost += v.lost;
    doubled += v.doubled;
    const held = v.lost === 0 && v.doubled === 0 && v.differences.length === 0 && v.poisonMissing.length === 0 && v.unexpectedDeadLetters.length === 0 && v.givenUp.length === 0;
    if (!held) failures.push(`${scenario} broke`);
    lines.push(
      `${held ? 'held  ' : 'BROKEN'} ${scenario} (seed ${record.seed}): ${injected} faults injected; ${v.orders} orders, ${v.lost} lost, ${v.doubled} double-counted, ` +
        `${v.lateDeadLettered} dead-lettered as late (${v.plannedLate} late by the plan), ${v.poisonDeadLettered} poison dead-lettered`,
    );
  }
  if (planned.length === 0) failures.push('no scenario planned');
  lines.push(
    `chaos (${scale}): ${concluded} of ${planned.length} scenarios concluded, ${faults} faults injected, ${lost} lost, ${doubled} double-counted` +
      (failures.length === 0 ? '' : `; FAILED: ${failures.join('; ')}`),
  );
  return { lines, failed: failures.length > 0 };
}
