import { classify, diffResults, agrees, type ResultDiff } from './compare.js';
import { runEngine } from './engine-run.js';
import { runModel, TARGET_RULES } from './window-model.js';
import type { WindowResults, Workload } from './workload.js';

export interface ShrunkExample {
  readonly workload: Workload;
  readonly diff: ResultDiff;
}

/** The engine's answer on a workload against the model's target, and the class that explains the difference, if any. */
async function judge(workload: Workload, seed: number): Promise<{ diff: ResultDiff; className: string | undefined }> {
  const engine = await runEngine(workload, seed);
  const model = runModel(workload, TARGET_RULES);
  const target: WindowResults = { windows: model.windows, late: [...model.late] };
  const diff = diffResults(target, engine);
  return { diff, className: agrees(diff) ? undefined : classify(workload, engine) };
}

/**
 * Leaves records out of a workload, one at a time and again until none can
 * go, for as long as the engine still differs in the same class. Flink is
 * not run again: the target of a shrunk workload is the model's, which the
 * suite has just checked against Flink on every workload. Bounded, so a
 * failing run stays quick.
 */
export async function shrinkExample(workload: Workload, className: string, seed: number, maxRuns = 400): Promise<ShrunkExample | undefined> {
  let current = workload;
  let currentDiff = (await judge(current, seed)).diff;
  let runs = 1;
  for (let removed = true; removed && runs < maxRuns; ) {
    removed = false;
    for (let i = current.records.length - 1; i >= 0 && runs < maxRuns; i -= 1) {
      const candidate: Workload = { ...current, records: current.records.filter((_, j) => j !== i) };
      const verdict = await judge(candidate, seed);
      runs += 1;
      if (verdict.className === className) {
        current = candidate;
        currentDiff = verdict.diff;
        removed = true;
      }
    }
  }
  return current.records.length < workload.records.length ? { workload: current, diff: currentDiff } : undefined;
}
