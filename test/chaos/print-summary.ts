/**
 * Prints the chaos suite's summary (see harness/summary.ts) from the
 * scenarios' reports. The planned scenarios are the suite's test files.
 * Exits non-zero unless every planned scenario concluded and held.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CHAOS_DIR, CHAOS_SCALE, REPORT_DIR, type ChaosRecord } from './harness/scenario.js';
import { summarizeChaos } from './harness/summary.js';

const planned = readdirSync(CHAOS_DIR)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.test.ts'.length))
  .sort();
const reports = new Map<string, ChaosRecord>();
for (const scenario of planned) {
  const file = `${REPORT_DIR}chaos-${scenario}.json`;
  if (existsSync(file)) reports.set(scenario, JSON.parse(readFileSync(file, 'utf8')) as ChaosRecord);
}
const { lines, failed } = summarizeChaos(CHAOS_SCALE, planned, reports);
for (const line of lines) console.log(line);
process.exitCode = failed ? 1 : 0;
