import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WriteCount } from './write-counter.js';

/** Where each engine suite leaves its counts for the summary line. */
export const REPORT_DIR = fileURLToPath(new URL('../../../.rtp/reports/', import.meta.url));

export interface RunCounts {
  readonly runs: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly crashes: number;
  readonly zombies: number;
}

export function recordRuns(suite: string, counts: RunCounts): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(`${REPORT_DIR}exactly-once-${suite}.json`, `${JSON.stringify(counts)}\n`);
}

export function readRuns(suite: string): RunCounts | undefined {
  const file = `${REPORT_DIR}exactly-once-${suite}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunCounts) : undefined;
}

export interface CostCounts {
  readonly records: number;
  readonly fenced: WriteCount;
  readonly fencedWithDedup: WriteCount;
}

export function recordCost(counts: CostCounts): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(`${REPORT_DIR}write-cost.json`, `${JSON.stringify(counts)}\n`);
}

export function readCost(): CostCounts | undefined {
  const file = `${REPORT_DIR}write-cost.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CostCounts) : undefined;
}
