/**
 * What every chaos scenario shares: its size (the small subset `npm test`
 * runs, or the full suite of `npm run chaos`), its output (what it injected,
 * then the verdict, each line prefixed with the scenario), the one assertion
 * that matters, and a report file the summary line reads.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { describeVerdict, type ChaosVerdict } from './verdict.js';

export type ChaosScale = 'subset' | 'full';

/** `RTP_CHAOS=subset` (what `npm test` sets) runs the scenarios small and skips the full-only ones. */
export const CHAOS_SCALE: ChaosScale = process.env.RTP_CHAOS === 'subset' ? 'subset' : 'full';

/** Picks a size by scale. */
export function sized<T>(sizes: { readonly subset: T; readonly full: T }): T {
  return sizes[CHAOS_SCALE];
}

export const REPORT_DIR = fileURLToPath(new URL('../../../.rtp/reports/', import.meta.url));

export interface ChaosRecord {
  readonly scenario: string;
  readonly scale: ChaosScale;
  readonly seed: number;
  readonly injected: readonly string[];
  readonly verdict: ChaosVerdict;
}

export class ScenarioLog {
  public readonly injected: string[] = [];

  public constructor(
    public readonly scenario: string,
    public readonly seed: number,
  ) {
    this.line(`scale ${CHAOS_SCALE}, seed ${seed}`);
  }

  public line(text: string): void {
    process.stdout.write(`[chaos ${this.scenario}] ${text}\n`);
  }

  /** A fault put into the pipeline: printed now, listed again with the verdict. */
  public inject(what: string): void {
    this.injected.push(what);
    this.line(`injected: ${what}`);
  }

  /** Prints and records the verdict, then asserts nothing was lost or counted twice. */
  public conclude(verdict: ChaosVerdict): void {
    this.line(describeVerdict(verdict));
    for (const difference of [...verdict.differences, ...verdict.unexpectedDeadLetters, ...verdict.poisonMissing.map((p) => `missing from the DLQ: ${p}`), ...verdict.givenUp.map((g) => `given up by the mapping: ${g}`)].slice(0, 20)) {
      this.line(`  ${difference}`);
    }
    mkdirSync(REPORT_DIR, { recursive: true });
    const record: ChaosRecord = { scenario: this.scenario, scale: CHAOS_SCALE, seed: this.seed, injected: this.injected, verdict };
    writeFileSync(`${REPORT_DIR}chaos-${this.scenario}.json`, `${JSON.stringify(record)}\n`);
    expect(verdict.orders).toBeGreaterThan(0);
    expect({ lost: verdict.lost, doubled: verdict.doubled, differences: verdict.differences }).toEqual({ lost: 0, doubled: 0, differences: [] });
    expect(verdict.poisonMissing).toEqual([]);
    expect(verdict.unexpectedDeadLetters).toEqual([]);
    expect(verdict.givenUp).toEqual([]);
  }
}
