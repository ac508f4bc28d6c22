import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';


/** Where each engine suite leaves its counts for the summary line. */
export const REPORT_DIR = fileURLToPath(new URL('../../../.rtp/reports/', import.meta.url));

export interface RunCounts {
  readonly runs: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly crashes: number;
  readonly zombies: number;
  /** Rounds in which two processors invoked at once. */
  readonly concurrentRounds: number;
}

export function recordRuns(suite: string, counts: RunCounts): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(`${REPORT_DIR}exactly-once-${suite}.json`, `${JSON.stringify(counts)}\n`);
}

export function readRuns(suite: string): RunCounts | undefined {
  const file = `${REPORT_DIR}exactly-once-${suite}.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunCounts) : undefined;
}

/** What a run wrote, as bench/request-counter.ts counts it. */
export interface WriteCount {
  readonly requests: number;
  readonly items: number;
  readonly writeUnits: number;
  readonly byKind: Readonly<Record<string, number>>;
}

export interface CostCounts {
  readonly records: number;
  /** A view without merge: one item per key, in a transaction with the checkpoint. */
  readonly perKey: WriteCount;
  readonly perKeyWithDedup: WriteCount;
  /** A view that merges: the partition's pane, then its checkpoint, each a plain conditional write. */
  readonly panesWithDedup: WriteCount;
}

export function recordCost(counts: CostCounts): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(`${REPORT_DIR}write-cost.json`, `${JSON.stringify(counts)}\n`);
}

export function readCost(): CostCounts | undefined {
  const file = `${REPORT_DIR}write-cost.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CostCounts) : undefined;
}
