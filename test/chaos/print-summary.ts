/**
 * Prints each chaos scenario's verdict and ends with one line:
 *   chaos (<scale>): <concluded> of <planned> scenarios concluded, <faults> faults injected, <lost> lost, <doubled> double-counted
 * The planned scenarios are the suite's test files. One that left no report
 * did not run; one whose report has no verdict crashed before concluding.
 * Either is a failure, named in the line. Exits non-zero unless every
 * planned scenario concluded and held.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CHAOS_DIR, CHAOS_SCALE, REPORT_DIR, type ChaosRecord } from './harness/scenario.js';

const planned = readdirSync(CHAOS_DIR)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.test.ts'.length))
  .sort();
const reportOf = (scenario: string): ChaosRecord | undefined => {
  const file = `${REPORT_DIR}chaos-${scenario}.json`;
  if (!existsSync(file)) return undefined;
  const record = JSON.parse(readFileSync(file, 'utf8')) as ChaosRecord;
  return record.scale === CHAOS_SCALE ? record : undefined;
};

const records = planned.map((scenario) => ({ scenario, record: reportOf(scenario) }));
const failures: string[] = [];
let faults = 0;
let lost = 0;
let doubled = 0;
for (const { scenario, record } of records) {
  if (record === undefined) {
    failures.push(`${scenario} did not run`);
    console.log(`NO RUN ${scenario}: no report`);
    continue;
  }
  const injected = record.injected.reduce((n, i) => n + i.faults, 0);
  faults += injected;
  const v = record.verdict;
  if (v === undefined) {
    failures.push(`${scenario} crashed before its verdict`);
    console.log(`CRASH  ${scenario} (seed ${record.seed}): ${injected} faults injected, then it failed before concluding; see its output`);
    continue;
  }
  lost += v.lost;
  doubled += v.doubled;
  const held = v.lost === 0 && v.doubled === 0 && v.differences.length === 0 && v.poisonMissing.length === 0 && v.unexpectedDeadLetters.length === 0 && v.givenUp.length === 0;
  if (!held) failures.push(`${scenario} broke`);
  console.log(
    `${held ? 'held  ' : 'BROKEN'} ${scenario} (seed ${record.seed}): ${injected} faults injected; ${v.orders} orders, ${v.lost} lost, ${v.doubled} double-counted, ` +
      `${v.lateDeadLettered} dead-lettered as late (${v.plannedLate} late by the plan), ${v.poisonDeadLettered} poison dead-lettered`,
  );
}
const concluded = records.filter((r) => r.record?.verdict !== undefined).length;
console.log(
  `chaos (${CHAOS_SCALE}): ${concluded} of ${planned.length} scenarios concluded, ${faults} faults injected, ${lost} lost, ${doubled} double-counted` +
    (failures.length === 0 ? '' : `; FAILED: ${failures.join('; ')}`),
);
process.exitCode = failures.length === 0 && planned.length > 0 ? 0 : 1;
