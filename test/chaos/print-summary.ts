/**
 * Prints each chaos scenario's verdict and ends with one line:
 *   chaos: <n> scenarios, <faults> faults injected, <lost> lost, <doubled> double-counted
 * Exits non-zero unless every scenario of the scale reported and held.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CHAOS_SCALE, REPORT_DIR, type ChaosRecord } from './harness/scenario.js';

const records: ChaosRecord[] = existsSync(REPORT_DIR)
  ? readdirSync(REPORT_DIR)
      .filter((f) => f.startsWith('chaos-') && f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(`${REPORT_DIR}${f}`, 'utf8')) as ChaosRecord)
      .filter((r) => r.scale === CHAOS_SCALE)
  : [];
let failed = records.length === 0;
for (const r of records) {
  const v = r.verdict;
  const held = v.lost === 0 && v.doubled === 0 && v.differences.length === 0 && v.poisonMissing.length === 0 && v.unexpectedDeadLetters.length === 0 && v.givenUp.length === 0;
  if (!held) failed = true;
  console.log(`${held ? 'held  ' : 'BROKEN'} ${r.scenario} (seed ${r.seed}): ${r.injected.length} faults injected; ${v.orders} orders, ${v.lost} lost, ${v.doubled} double-counted, ${v.lateDeadLettered} late and ${v.poisonDeadLettered} poison dead-lettered`);
}
const sum = (pick: (r: ChaosRecord) => number): number => records.reduce((n, r) => n + pick(r), 0);
console.log(`chaos (${CHAOS_SCALE}): ${records.length} scenarios, ${sum((r) => r.injected.length)} faults injected, ${sum((r) => r.verdict.lost)} lost, ${sum((r) => r.verdict.doubled)} double-counted`);
process.exitCode = failed ? 1 : 0;
