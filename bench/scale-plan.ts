/**
 * The pure parts of `npm run bench -- scale` that plan a run: which cells to
 * measure, the command line, and how big each cell's phases are (the
 * drain's target, backlog and steps, the paced phase). What a cell's
 * figures are comes from scale-figures.ts, how they are recorded and shown
 * from scale-results.ts. Nothing here touches a process or a clock, so unit
 * tests cover it (test/unit/bench/scale-plan.test.ts).
 */
import { parseArgs } from 'node:util';
import type { ScaleCell, ScaleDesign } from './figures.js';
import { fmt } from './stats.js';

/** The environment variable that hands the measuring process (scale-cell.ts) its configuration. */
export const SCALE_CHILD_CONFIG = 'RTP_BENCH_SCALE';

/** A design that can run from this checkout; "previous" is "ours" recorded under another name. */
export type RunnableDesign = Exclude<ScaleDesign, 'previous'>;
export const RUNNABLE_DESIGNS: readonly RunnableDesign[] = ['ours', 'powertools'];

export interface CellSpec {
  readonly design: RunnableDesign;
  readonly partitions: number;
  readonly processors: number;
  readonly batchSize: number;
}

/** The mapping's batch size when none is set: Lambda's default for MSK, and what `rtp demo` runs with. */
export const DEFAULT_BATCH_SIZE = 100;

/** The grid: ours at every P × C at the default batch size, and at 3 × 1 over batch sizes; Powertools at the two corners. */
export const FULL_GRID = {
  ours: { partitions: [3, 12, 24], processors: [1, 3, 6], batchSizes: [100, 500, 1_000, 2_500] },
  powertools: [
    { partitions: 3, processors: 1 },
    { partitions: 24, processors: 6 },
  ],
} as const;

/** Tiny cells that run the whole harness in a few minutes: a check that it works, not a measurement. */
export const QUICK_GRID: readonly Omit<CellSpec, 'batchSize'>[] = [
  { design: 'ours', partitions: 3, processors: 1 },
  { design: 'ours', partitions: 6, processors: 3 },
  { design: 'powertools', partitions: 3, processors: 1 },
];

/** `PxC` (at the default batch size) or `PxC@B`. */
export interface CellSelector {
  readonly partitions: number;
  readonly processors: number;
  readonly batchSize?: number;
}

export class ScalePlanError extends Error {
  public override readonly name = 'ScalePlanError';
}

export function parseCellSelector(text: string): CellSelector {
  const match = /^(\d+)x(\d+)(?:@(\d+))?$/.exec(text.trim());
  if (match === null) throw new ScalePlanError(`'${text}' is not a cell: write PxC or PxC@B, e.g. 12x3 or 3x1@500`);
  const [partitions, processors] = [Number(match[1]), Number(match[2])];
  if (partitions < 1 || processors < 1) throw new ScalePlanError(`'${text}': partitions and processors must be at least 1`);
  return match[3] === undefined ? { partitions, processors } : { partitions, processors, batchSize: Number(match[3]) };
}

export function cellKey(cell: Pick<ScaleCell, 'design' | 'partitions' | 'processors' | 'batchSize'>): string {
  return `${cell.design} ${cell.partitions}×${cell.processors} b${cell.batchSize}`;
}

/**
 * The cells to measure, in the order they run: designs as given, then
 * partitions, processors, batch size. `only` picks from the full grid.
 */
export function scaleGrid(designs: readonly RunnableDesign[], options: { quick?: boolean; only?: readonly CellSelector[] } = {}): CellSpec[] {
  const cells: CellSpec[] = [];
  for (const design of designs) {
    // --quick alone runs the quick grid; with --cells, tiny sizes on the cells named.
    if (options.quick === true && (options.only === undefined || options.only.length === 0)) {
      cells.push(...QUICK_GRID.filter((c) => c.design === design).map((c) => ({ ...c, batchSize: DEFAULT_BATCH_SIZE })));
    } else if (design === 'ours') {
      const { partitions, processors, batchSizes } = FULL_GRID.ours;
      for (const p of partitions) for (const c of processors) cells.push({ design, partitions: p, processors: c, batchSize: DEFAULT_BATCH_SIZE });
      for (const batchSize of batchSizes) {
        if (batchSize !== DEFAULT_BATCH_SIZE) cells.push({ design, partitions: 3, processors: 1, batchSize });
      }
    } else {
      cells.push(...FULL_GRID.powertools.map((c) => ({ design, ...c, batchSize: DEFAULT_BATCH_SIZE })));
    }
  }
  const sorted = cells.sort((a, b) => designs.indexOf(a.design) - designs.indexOf(b.design) || a.partitions - b.partitions || a.processors - b.processors || a.batchSize - b.batchSize);
  const only = options.only;
  if (only === undefined || only.length === 0) return sorted;
  const picked = sorted.filter((cell) => only.some((s) => s.partitions === cell.partitions && s.processors === cell.processors && (s.batchSize ?? DEFAULT_BATCH_SIZE) === cell.batchSize));
  const unknown = only.filter((s) => !sorted.some((cell) => s.partitions === cell.partitions && s.processors === cell.processors && (s.batchSize ?? DEFAULT_BATCH_SIZE) === cell.batchSize));
  if (unknown.length > 0) {
    throw new ScalePlanError(`not in the grid of ${designs.join(', ')}: ${unknown.map((s) => `${s.partitions}x${s.processors}${s.batchSize === undefined ? '' : `@${s.batchSize}`}`).join(', ')}`);
  }
  return picked;
}

/** `npm run bench -- scale` options. */
export interface ScaleOptions {
  readonly designs: readonly RunnableDesign[];
  readonly quick: boolean;
  /** Record the cells under this design instead ("previous"). */
  readonly saveAs?: ScaleDesign;
  /** `--cells`: only these cells of the grid. */
  readonly only?: readonly CellSelector[];
  /** The whole run's time budget, which sizes the drains. */
  readonly budgetMinutes: number;
}

export function parseScaleArguments(argv: readonly string[]): ScaleOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      design: { type: 'string', multiple: true },
      'save-as': { type: 'string' },
      quick: { type: 'boolean', default: false },
      cells: { type: 'string' },
      'budget-minutes': { type: 'string', default: '30' },
    },
    strict: true,
    allowPositionals: false,
  });
  const designs = (values.design ?? RUNNABLE_DESIGNS).flatMap((d) => d.split(',')).map((d) => d.trim());
  const unknown = designs.filter((d) => !(RUNNABLE_DESIGNS as readonly string[]).includes(d));
  if (unknown.length > 0) {
    throw new ScalePlanError(`--design ${unknown.join(', ')}: runnable designs are ${RUNNABLE_DESIGNS.join(', ')} ("previous" is ours measured before the rewrite: --design ours --save-as previous)`);
  }
  const saveAsDesign = values['save-as'];
  if (saveAsDesign !== undefined && (saveAsDesign !== 'previous' || designs.length !== 1 || designs[0] !== 'ours')) {
    throw new ScalePlanError('--save-as takes "previous", with --design ours alone: it records today\'s engine as the previous design');
  }
  const budgetMinutes = Number(values['budget-minutes']);
  if (!(budgetMinutes > 0)) throw new ScalePlanError(`--budget-minutes must be a positive number, got ${values['budget-minutes']}`);
  return {
    designs: [...new Set(designs)] as RunnableDesign[],
    quick: values.quick === true,
    ...(saveAsDesign === undefined ? {} : { saveAs: 'previous' as const }),
    ...(values.cells === undefined ? {} : { only: values.cells.split(',').map(parseCellSelector) }),
    budgetMinutes,
  };
}

/** How big each phase of a cell is. */
export interface ScaleSizing {
  /** Records drained before anything is measured: JITs, connections, the registry's first lookups; their rate sets the drain's backlog. */
  readonly warmUpRecords: number;
  readonly drain: DrainSizing;
  /** Paced phase: this share of the drain's measured rate, for a settling period whose latencies are discarded, then for `seconds`. */
  readonly paced: { readonly share: number; readonly settleSeconds: number; readonly seconds: number; readonly minRecords: number };
  /** Seconds the warm processes sit idle in their group, to measure what polling alone costs. */
  readonly idleSeconds: number;
}

export interface DrainSizing {
  /** Producing stops once the backlog would end the drain past this many seconds at its measured rate. */
  readonly targetSeconds: number;
  /** Produced even when that takes longer: per-1,000 figures need enough records. */
  readonly minRecords: number;
  readonly maxRecords: number;
}

export const FULL_SIZING: ScaleSizing = {
  warmUpRecords: 500,
  drain: { targetSeconds: 40, minRecords: 1_000, maxRecords: 40_000 },
  paced: { share: 0.5, settleSeconds: 10, seconds: 20, minRecords: 200 },
  idleSeconds: 5,
};

export const QUICK_SIZING: ScaleSizing = {
  warmUpRecords: 100,
  drain: { targetSeconds: 4, minRecords: 200, maxRecords: 600 },
  paced: { share: 0.5, settleSeconds: 2, seconds: 4, minRecords: 40 },
  idleSeconds: 2,
};

/** Seconds a cell takes besides its drain: processes starting, idle, warm-up, the paced phase and its tail, the check, the stop. */
export const CELL_OVERHEAD_SECONDS = { perCell: 45, perProcess: 5 } as const;

/**
 * The drain's target time that fits `cells` in `budgetSeconds` with their
 * fixed costs, within [10 s, the sizing's target]: a smaller selection of
 * cells gets no longer drains than the full grid's.
 */
export function drainTargetSeconds(cells: readonly CellSpec[], sizing: ScaleSizing, budgetSeconds: number): { seconds: number; why: string } {
  const paced = sizing.paced.settleSeconds + sizing.paced.seconds;
  const fixed = cells.reduce((n, c) => n + CELL_OVERHEAD_SECONDS.perCell + CELL_OVERHEAD_SECONDS.perProcess * c.processors + paced, 0);
  const left = (budgetSeconds - fixed) / Math.max(1, cells.length);
  const seconds = Math.max(Math.min(10, sizing.drain.targetSeconds), Math.min(sizing.drain.targetSeconds, Math.floor(left)));
  return {
    seconds,
    why: `${Math.round(budgetSeconds / 60)} min for ${cells.length} cells, of which ~${Math.round(fixed)} s go to start-up, warm-up, paced phases and checks, leaves ${Math.max(0, Math.floor(left))} s a drain; target ${seconds} s (at most ${sizing.drain.targetSeconds})`,
  };
}

/**
 * The backlog the drain keeps waiting: two full batches, and at least 3 s
 * of the warm-up's rate, so no process runs dry between top-ups.
 */
export function drainLowWater(batchSize: number, warmUpPerSec: number): number {
  return Math.max(2 * batchSize, Math.ceil((Number.isFinite(warmUpPerSec) ? warmUpPerSec : 0) * 3), 200);
}

export type DrainStep = { readonly kind: 'produce'; readonly records: number } | { readonly kind: 'wait' } | { readonly kind: 'stop'; readonly why: string };

/**
 * What the drain does next. The drain is time-boxed rather than sized up
 * front (a warm-up's rate overestimates it: the warm-up closes no windows):
 * whenever fewer than `lowWater` records wait, it tops the backlog up to
 * twice that, faster than any cell drains; it stops producing once the
 * records waiting would end the drain past the target at the rate measured
 * so far, or at the maximum. `committed` counts the drain's records.
 */
export function nextDrainStep(state: { readonly elapsedSeconds: number; readonly produced: number; readonly committed: number; readonly lowWater: number; readonly targetSeconds: number; readonly rule: DrainSizing }): DrainStep {
  const { elapsedSeconds, produced, committed, lowWater, targetSeconds, rule } = state;
  const waiting = produced - committed;
  if (produced >= rule.maxRecords) return { kind: 'stop', why: `the maximum of ${fmt(rule.maxRecords)} records` };
  const rate = elapsedSeconds >= 3 && committed > 0 ? committed / elapsedSeconds : undefined;
  if (produced >= rule.minRecords && rate !== undefined && elapsedSeconds + waiting / rate >= targetSeconds) {
    return { kind: 'stop', why: `at ${Math.round(elapsedSeconds)} s, ${fmt(waiting)} records waiting at ${fmt(Math.round(rate))}/s end the drain near the ${targetSeconds} s target` };
  }
  if (waiting >= lowWater) return { kind: 'wait' };
  return { kind: 'produce', records: Math.min(rule.maxRecords - produced, 2 * lowWater - waiting) };
}

/** The paced phase's rate and size: a share of the drain's rate, below saturation; the settling period's records come first. */
export function pacedPhase(drainPerSec: number, rule: ScaleSizing['paced']): { ratePerSec: number; records: number; settleRecords: number; why: string } {
  const ratePerSec = Math.max(1, Math.round(drainPerSec * rule.share));
  const settleRecords = Math.round(ratePerSec * rule.settleSeconds);
  const records = settleRecords + Math.max(rule.minRecords, Math.round(ratePerSec * rule.seconds));
  return {
    ratePerSec,
    records,
    settleRecords,
    why: `${Math.round(rule.share * 100)} % of the drain's ${fmt(Math.round(drainPerSec))} records/s = ${fmt(ratePerSec)}/s for ${fmt(records)} records, the first ${rule.settleSeconds} s of them not sampled`,
  };
}
