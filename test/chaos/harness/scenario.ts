/**
 * What every chaos scenario shares: its size (the small subset `npm test`
 * runs, or the full suite of `npm run chaos`), its output (what it injected,
 * then the verdict, each line prefixed with the scenario), the one assertion
 * that matters, and a report file the summary line reads.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
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

/** A fault put into the pipeline, as the scenario describes it, and how many single faults that was. */
export interface Injection {
  readonly what: string;
  readonly faults: number;
}

/**
 * A scenario's report. Written when it starts, so a scenario that crashes
 * before its verdict leaves a report without one, and again with the
 * verdict.
 */
export interface ChaosRecord {
  readonly scenario: string;
  readonly scale: ChaosScale;
  readonly seed: number;
  readonly injected: readonly Injection[];
  readonly verdict?: ChaosVerdict;
}

/** The scenarios a run plans: one per test file of the chaos suite, named after it. */
export const CHAOS_DIR = fileURLToPath(new URL('../', import.meta.url));

export class ScenarioLog {
  public readonly injected: Injection[] = [];

  public constructor(
    public readonly scenario: string,
    public readonly seed: number,
  ) {
    if (!existsSync(`${CHAOS_DIR}${scenario}.test.ts`)) throw new RangeError(`chaos scenario '${scenario}' must be named after its test file, ${scenario}.test.ts`);
    this.line(`scale ${CHAOS_SCALE}, seed ${seed}`);
    this.report();
  }

  public line(text: string): void {
    process.stdout.write(`[chaos ${this.scenario}] ${text}\n`);
  }

  /**
   * A fault put into the pipeline: printed now, listed again with the
   * verdict. `faults` counts the single faults it stands for (kills,
   * restarts, failed calls, skewed clocks, records delivered out of order),
   * counted where they were injected.
   */
  public inject(what: string, faults: number): void {
    if (!Number.isInteger(faults) || faults < 0) throw new RangeError(`fault count for '${what}' must be a whole number >= 0, got ${faults}`);
    this.injected.push({ what, faults });
    this.line(`injected: ${what}`);
    this.report();
  }

  /** Prints and records the verdict, then asserts nothing was lost or counted twice. */
  public conclude(verdict: ChaosVerdict): void {
    this.line(describeVerdict(verdict));
    for (const difference of [...verdict.differences, ...verdict.unexpectedDeadLetters, ...verdict.poisonMissing.map((p) => `missing from the DLQ: ${p}`), ...verdict.givenUp.map((g) => `given up by the mapping: ${g}`)].slice(0, 20)) {
      this.line(`  ${difference}`);
    }
    this.report(verdict);
    expect(verdict.orders).toBeGreaterThan(0);
    expect({ lost: verdict.lost, doubled: verdict.doubled, differences: verdict.differences }).toEqual({ lost: 0, doubled: 0, differences: [] });
    expect(verdict.poisonMissing).toEqual([]);
    expect(verdict.unexpectedDeadLetters).toEqual([]);
    expect(verdict.givenUp).toEqual([]);
  }

  private report(verdict?: ChaosVerdict): void {
    mkdirSync(REPORT_DIR, { recursive: true });
    const record: ChaosRecord = { scenario: this.scenario, scale: CHAOS_SCALE, seed: this.seed, injected: this.injected, verdict };
    writeFileSync(`${REPORT_DIR}chaos-${this.scenario}.json`, `${JSON.stringify(record)}\n`);
  }
}
