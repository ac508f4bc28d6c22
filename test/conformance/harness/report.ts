import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where each conformance suite leaves its agreement for the summary lines. */
export const REPORT_DIR = fileURLToPath(new URL('../../../.rtp/reports/', import.meta.url));

/** What one conformance suite found, judged against its reference implementation. */
export interface ConformanceReport {
  /** The summary line `npm test` prints, e.g. `avro conformance: 2000 pairs, 2000 agree`. */
  readonly line: string;
  /** Whether every case agreed, or differed only as a documented, deliberate difference. */
  readonly passed: boolean;
}

export function recordConformance(suite: string, report: ConformanceReport): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(`${REPORT_DIR}conformance-${suite}.json`, `${JSON.stringify(report)}\n`);
}

export function readConformance(suite: string): ConformanceReport | undefined {
  const file = `${REPORT_DIR}conformance-${suite}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ConformanceReport) : undefined;
}
