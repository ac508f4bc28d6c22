/**
 * Prints what the engine suites measured and ends with the one line that
 * says whether exactly-once held:
 *   exactly-once: <runs> runs, <lost> lost, <duplicated> duplicated
 * Exits non-zero unless every suite reported and both counts are 0.
 */
import { readCost, readRuns } from './harness/report.js';

const suites = ['memory', 'dynamodb'] as const;
const counts = suites.map((suite) => ({ suite, counts: readRuns(suite) }));
const cost = readCost();
let failed = false;

for (const { suite, counts: c } of counts) {
  if (c === undefined) {
    console.log(`exactly-once suite '${suite}' did not report`);
    failed = true;
  } else {
    console.log(`exactly-once (${suite}): ${c.runs} runs, ${c.crashes} crashed invocations, ${c.zombies} zombie invocations, ${c.concurrentRounds} rounds with two processors at once, ${c.lost} lost, ${c.duplicated} duplicated`);
  }
}
if (cost === undefined) {
  console.log('the write-cost suite did not report');
  failed = true;
} else {
  const line = (name: string, c: typeof cost.perKey): string =>
    `${name}: ${c.requests} requests, ${c.items} items, ~${c.writeUnits} write units`;
  console.log(`DynamoDB writes per ${cost.records} records, 500-record batches over 50 keys`);
  console.log(`  ${line('one item per key, offset fence only', cost.perKey)}`);
  console.log(`  ${line('one item per key, with event-id dedup', cost.perKeyWithDedup)}`);
  console.log(`  ${line('per-partition panes, with event-id dedup', cost.panesWithDedup)}`);
}
const runs = counts.reduce((n, { counts: c }) => n + (c?.runs ?? 0), 0);
const lost = counts.reduce((n, { counts: c }) => n + (c?.lost ?? 0), 0);
const duplicated = counts.reduce((n, { counts: c }) => n + (c?.duplicated ?? 0), 0);
console.log(`exactly-once: ${runs} runs, ${lost} lost, ${duplicated} duplicated`);
process.exitCode = failed || lost > 0 || duplicated > 0 ? 1 : 0;
