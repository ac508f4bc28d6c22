import fc from 'fast-check';
import { expect } from 'vitest';
import type { StateBody } from '../../../functions/core/state/state-items.js';
import type { StateStore } from '../../../functions/core/state/state-store.js';
import { compare } from './compare.js';
import { expectedOutcome } from './oracle.js';
import { recordRuns } from './report.js';
import { scenarioArbitrary } from './scenario.js';
import { simulate } from './simulate.js';

export interface ExactlyOnceRun {
  /** Names the report the summary line reads. */
  readonly suite: string;
  readonly runs: number;
  readonly maxRecords: number;
  /** A fresh, empty store per run, and a way to read every item back. */
  readonly makeStore: () => Promise<{ store: StateStore; items: () => Promise<StateBody[]> }>;
}

/**
 * The exactly-once property: random streams delivered with redeliveries,
 * crashes after any store call, zombie invocations, two processors of a
 * group at once, throttling and dead letter failures end in exactly the
 * oracle's state. Counts lost and
 * duplicated records over all runs and leaves them for the summary line.
 */
export async function checkExactlyOnce(run: ExactlyOnceRun): Promise<void> {
  const totals = { runs: 0, lost: 0, duplicated: 0, crashes: 0, zombies: 0, concurrentRounds: 0 };
  await fc.assert(
    fc.asyncProperty(scenarioArbitrary({ maxPartitions: 3, maxRecords: run.maxRecords }), fc.integer(), async (scenario, seed) => {
      // Prepare
      const { store, items } = await run.makeStore();
      const expected = expectedOutcome(scenario);

      // Act
      const result = await simulate(scenario, store, {
        seed,
        crashRate: 0.25,
        zombieRate: 0.15,
        throttleRate: 0.05,
        deadLetterFailureRate: 0.05,
        maxBatch: 12,
      });

      // Assess
      const verdict = compare(expected, result, await items());
      totals.runs += 1;
      totals.lost += verdict.lost;
      totals.duplicated += verdict.duplicated;
      totals.crashes += result.crashes;
      totals.zombies += result.zombies;
      totals.concurrentRounds += result.concurrentRounds;
      expect(verdict.problems, `seed ${seed}`).toEqual([]);
    }),
    { numRuns: run.runs },
  );
  recordRuns(run.suite, totals);
  expect({ lost: totals.lost, duplicated: totals.duplicated }).toEqual({ lost: 0, duplicated: 0 });
}
