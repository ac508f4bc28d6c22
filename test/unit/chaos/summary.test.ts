import { describe, expect, it } from 'vitest';
import type { ChaosRecord } from '../../chaos/harness/scenario.js';
import { summarizeChaos } from '../../chaos/harness/summary.js';
import type { ChaosVerdict } from '../../chaos/harness/verdict.js';

const verdict = (over: Partial<ChaosVerdict> = {}): ChaosVerdict => ({
  orders: 600,
  windows: 10,
  lost: 0,
  doubled: 0,
  plannedLate: 0,
  lateDeadLettered: 0,
  lateEventIds: [],
  poisonDeadLettered: 0,
  poisonMissing: [],
  unexpectedDeadLetters: [],
  givenUp: [],
  differences: [],
  ...over,
});
const report = (scenario: string, faults: number[], v?: ChaosVerdict): [string, ChaosRecord] => [
  scenario,
  { scenario, scale: 'subset', seed: 1, injected: faults.map((n, i) => ({ what: `fault ${i}`, faults: n })), verdict: v },
];

describe('summarizeChaos', () => {
  it('counts the faults of every injection and the scenarios that concluded', () => {
    const { lines, failed } = summarizeChaos('subset', ['a', 'b'], new Map([report('a', [3, 1], verdict()), report('b', [150], verdict())]));
    expect(lines.at(-1)).toBe('chaos (subset): 2 of 2 scenarios concluded, 154 faults injected, 0 lost, 0 double-counted');
    expect(failed).toBe(false);
  });

  it('names a scenario that crashed before its verdict, and one that never ran, as failures', () => {
    const { lines, failed } = summarizeChaos('subset', ['a', 'b', 'c'], new Map([report('a', [1], verdict()), report('b', [2])]));
    expect(lines.at(-1)).toBe('chaos (subset): 1 of 3 scenarios concluded, 3 faults injected, 0 lost, 0 double-counted; FAILED: b crashed before its verdict; c did not run');
    expect(failed).toBe(true);
  });

  it('fails on a verdict that did not hold, and on a report of another scale', () => {
    const broken = summarizeChaos('subset', ['a'], new Map([report('a', [1], verdict({ lost: 2, differences: ['x'] }))]));
    expect(broken.lines.at(-1)).toBe('chaos (subset): 1 of 1 scenarios concluded, 1 faults injected, 2 lost, 0 double-counted; FAILED: a broke');
    const stale = summarizeChaos('full', ['a'], new Map([report('a', [1], verdict())]));
    expect(stale.lines.at(-1)).toBe('chaos (full): 0 of 1 scenarios concluded, 0 faults injected, 0 lost, 0 double-counted; FAILED: a did not run');
  });
});
