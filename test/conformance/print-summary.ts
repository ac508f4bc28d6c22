/**
 * Prints one line per conformance suite, each saying how far the project
 * agrees with the reference implementation it was judged against:
 *   avro conformance: <pairs> pairs, <agree> agree
 *   flink conformance: <windows> windows, <equal> equal, late sets equal
 *   glue serde conformance: ...
 * Exits non-zero unless every suite reported and passed.
 */
import { readConformance } from './harness/report.js';

const suites = ['avro', 'flink', 'glue-serde'] as const;
let failed = false;
for (const suite of suites) {
  const report = readConformance(suite);
  if (report === undefined) {
    console.log(`${suite} conformance: the suite did not report`);
    failed = true;
  } else {
    console.log(report.line);
    failed ||= !report.passed;
  }
}
process.exitCode = failed ? 1 : 0;
