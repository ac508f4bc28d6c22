/**
 * The pure parts of `npm run bench -- scale`: which cells to measure, how
 * big each cell's phases are, what a cell's figures are from what it
 * observed, whether its final state is exact, how measured cells merge into
 * bench/results.json, and the table. Nothing here touches a process or a
 * clock, so unit tests cover it (test/unit/bench/scale-plan.test.ts).
 */
import { parseArgs } from 'node:util';
import type { ScaleCell, ScaleDesign } from './figures.js';
import { fmt } from './stats.js';

/** The environment variable that hands the measuring process (scale-cell.ts) its configuration. */
export const SCALE_CHILD_CONFIG = 'RTP_BENCH_SCALE';

/** A design that can run from this checkout; "previous" is "ours" recorded under another name. */
export type RunnableDesign = Exclude<ScaleDesign, 'previous'>;
export const RUNNABLE_DESIGNS: readonly RunnableDesign[] = ['ours', 'powertools'];
const DESIGN_ORDER: readonly ScaleDesign[] = ['ours', 'previous', 'powertools'];

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

/** A probe line of one processor process (bench/scale-probe.ts): cumulative CPU and DynamoDB writes at `at`. */
export interface ProbeSample {
  readonly pid: number;
  readonly at: number;
  readonly cpuMicros: number;
  readonly dynamodb: { readonly requests: number; readonly items: number; readonly writeUnits: number; readonly failedRequests: number };
}

/** The engine's partition stats as its handler logs them; the Powertools design logs received/applied/uncommitted only. */
export interface PartitionStatsLine {
  readonly commits?: number;
  readonly conflicts?: number;
  readonly uncommitted?: number;
}

/** What one cell observed, in the figures' terms. */
export interface CellObservation {
  readonly spec: CellSpec;
  readonly drainRecords: number;
  /** When the drain's first invocation started and its last one ended, epoch ms. */
  readonly drainStartedAt: number;
  readonly drainEndedAt: number;
  /** Probe samples per process at the start and end of the idle period and of the drain. */
  readonly idle: { readonly before: readonly ProbeSample[]; readonly after: readonly ProbeSample[] };
  readonly drain: { readonly before: readonly ProbeSample[]; readonly after: readonly ProbeSample[] };
  /** Partition stats logged during the drain. */
  readonly drainStats: readonly PartitionStatsLine[];
  /** Partition batches handed back over the whole cell. */
  readonly redeliveredPartitions: number;
  readonly pacedLatenciesMs: readonly number[];
  readonly pacedRatePerSec: number;
  /** How long the paced phase produced, and how long its backlog took to drain after that; null when it did not drain. */
  readonly pacedProductionSeconds: number;
  readonly pacedTailSeconds: number | null;
  readonly exact: boolean;
  /** Why the cell's figures are not valid, when a phase did not finish. */
  readonly error?: string;
}

/**
 * Whether the paced phase stayed below saturation: its backlog drained
 * within 5 s (or a quarter of the production time) of the last record
 * sent. A pipeline that keeps up needs about one batching window and one
 * invocation; one that fell behind has a growing backlog to work off.
 */
export function pacedKeptUp(productionSeconds: number, tailSeconds: number | null): boolean {
  return tailSeconds !== null && tailSeconds <= Math.max(5, 0.25 * productionSeconds);
}

export interface CpuFigures {
  readonly grossMs: number;
  /** What the processes' idle polling would have cost over the drain's time, at the idle period's rate. */
  readonly idleMs: number;
  readonly netMs: number;
}

/** CPU of the drain across processes, less each process's idle rate over the drain's time. */
export function drainCpu(o: Pick<CellObservation, 'idle' | 'drain'>): CpuFigures {
  let grossMicros = 0;
  let idleMicros = 0;
  for (const end of o.drain.after) {
    const start = o.drain.before.find((s) => s.pid === end.pid);
    if (start === undefined) throw new ScalePlanError(`no drain-start sample for process ${end.pid}`);
    grossMicros += end.cpuMicros - start.cpuMicros;
    const idleStart = o.idle.before.find((s) => s.pid === end.pid);
    const idleEnd = o.idle.after.find((s) => s.pid === end.pid);
    if (idleStart !== undefined && idleEnd !== undefined && idleEnd.at > idleStart.at) {
      const perMs = (idleEnd.cpuMicros - idleStart.cpuMicros) / (idleEnd.at - idleStart.at);
      idleMicros += perMs * (end.at - start.at);
    }
  }
  return { grossMs: grossMicros / 1000, idleMs: idleMicros / 1000, netMs: Math.max(0, grossMicros - idleMicros) / 1000 };
}

/** Σ conflicts ÷ Σ commits of the logged partition stats; null when no stats carry commits, or none committed. */
export function conflictsPerCommit(stats: readonly PartitionStatsLine[]): number | null {
  const counted = stats.filter((s) => typeof s.commits === 'number');
  const commits = counted.reduce((n, s) => n + (s.commits ?? 0), 0);
  if (counted.length === 0 || commits === 0) return null;
  return counted.reduce((n, s) => n + (s.conflicts ?? 0), 0) / commits;
}

/** Partition batches handed back: stats of a partition that left records uncommitted, and every partition of an invocation that failed as a whole. */
export function redeliveredPartitions(stats: readonly PartitionStatsLine[], invocations: ReadonlyArray<{ readonly result: string; readonly partitions: readonly string[] }>): number {
  const gaveUp = stats.filter((s) => (s.uncommitted ?? 0) > 0).length;
  const wholeBatches = invocations.filter((i) => i.result !== 'SUCCESS' && i.result !== 'PARTIAL_FAILURE').reduce((n, i) => n + i.partitions.length, 0);
  return gaveUp + wholeBatches;
}

/** The nearest-rank percentile, as the demo report computes it. */
function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] as number;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** A cell's figures from what it observed; per-record figures are of the drain. */
export function summariseCell(o: CellObservation, provenance: { commit: string; measuredAt: string }): ScaleCell {
  const seconds = (o.drainEndedAt - o.drainStartedAt) / 1000;
  if (!(seconds > 0)) throw new ScalePlanError(`${cellKey(o.spec)}: the drain took no time (${o.drainStartedAt}..${o.drainEndedAt})`);
  const per1000 = (pick: (s: ProbeSample) => number): number => {
    const total = o.drain.after.reduce((n, end) => n + pick(end) - pick(o.drain.before.find((s) => s.pid === end.pid) ?? end), 0);
    return round1((total * 1000) / o.drainRecords);
  };
  const sorted = [...o.pacedLatenciesMs].sort((a, b) => a - b);
  const conflicts = conflictsPerCommit(o.drainStats);
  return {
    design: o.spec.design,
    partitions: o.spec.partitions,
    processors: o.spec.processors,
    batchSize: o.spec.batchSize,
    recordsPerSec: round1(o.drainRecords / seconds),
    conflictsPerCommit: conflicts === null ? null : round3(conflicts),
    redeliveredPartitions: o.redeliveredPartitions,
    requestsPer1000: per1000((s) => s.dynamodb.requests),
    itemsPer1000: per1000((s) => s.dynamodb.items),
    wcuPer1000: per1000((s) => s.dynamodb.writeUnits),
    cpuMsPer1000: round1((drainCpu(o).netMs * 1000) / o.drainRecords),
    e2eP50Ms: nearestRank(sorted, 50),
    e2eP99Ms: nearestRank(sorted, 99),
    exact: o.exact && o.error === undefined,
    drainRecords: o.drainRecords,
    pacedRatePerSec: o.pacedRatePerSec,
    pacedKeptUp: pacedKeptUp(o.pacedProductionSeconds, o.pacedTailSeconds),
    ...(o.pacedTailSeconds === null ? {} : { pacedTailSeconds: round1(o.pacedTailSeconds) }),
    commit: provenance.commit,
    measuredAt: provenance.measuredAt,
    ...(o.error === undefined ? {} : { error: o.error }),
  };
}

/** A cell that could not be measured to the end: no figures, not exact, and why. */
export function failedCell(spec: CellSpec, error: string, provenance: { commit: string; measuredAt: string }): ScaleCell {
  return {
    ...spec,
    recordsPerSec: null,
    conflictsPerCommit: null,
    redeliveredPartitions: null,
    requestsPer1000: null,
    itemsPer1000: null,
    wcuPer1000: null,
    cpuMsPer1000: null,
    e2eP50Ms: null,
    e2eP99Ms: null,
    exact: false,
    ...provenance,
    error,
  };
}

export interface Revenue {
  readonly orders: number;
  readonly revenueCents: number;
}

export interface RevenueCheck {
  readonly exact: boolean;
  readonly checked: number;
  readonly differing: number;
  /** The first differing store-minute, with both sides. */
  readonly example?: string;
}

/** The state's revenue per store-minute against the plan's, key by key, both ways. */
export function checkRevenue(expected: ReadonlyMap<string, Revenue>, actual: ReadonlyMap<string, Revenue>): RevenueCheck {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  const differing = keys.filter((k) => actual.get(k)?.orders !== expected.get(k)?.orders || actual.get(k)?.revenueCents !== expected.get(k)?.revenueCents);
  const first = differing[0];
  return {
    exact: differing.length === 0 && keys.length > 0,
    checked: keys.length,
    differing: differing.length,
    ...(first === undefined ? {} : { example: `${first}: state ${JSON.stringify(actual.get(first) ?? null)}, planned ${JSON.stringify(expected.get(first) ?? null)}` }),
  };
}

/** Cells measured now recorded under another design's name: `--save-as previous` files today's engine as the one before the rewrite. */
export function saveAs(cells: readonly ScaleCell[], design: ScaleDesign): ScaleCell[] {
  return cells.map((cell) => ({ ...cell, design }));
}

/**
 * bench/results.json's scale cells after a run: each measured cell replaces
 * the recorded one of the same design, P, C and batch size; recorded cells
 * the run did not measure (the previous design's, say) are kept as they are.
 */
export function mergeScaleCells(recorded: readonly ScaleCell[] | undefined, measured: readonly ScaleCell[]): ScaleCell[] {
  const byKey = new Map<string, ScaleCell>();
  for (const cell of recorded ?? []) byKey.set(cellKey(cell), cell);
  for (const cell of measured) byKey.set(cellKey(cell), cell);
  return [...byKey.values()].sort(
    (a, b) => DESIGN_ORDER.indexOf(a.design) - DESIGN_ORDER.indexOf(b.design) || a.partitions - b.partitions || a.processors - b.processors || a.batchSize - b.batchSize,
  );
}

/** Where and when the recorded cells of `design` were measured, for the line under the table. */
export function provenanceOf(cells: readonly ScaleCell[], design: ScaleDesign): string | undefined {
  const mine = cells.filter((c) => c.design === design);
  if (mine.length === 0) return undefined;
  const commits = [...new Set(mine.map((c) => c.commit ?? 'unknown commit'))];
  const times = mine.map((c) => c.measuredAt ?? '').filter((t) => t !== '').sort();
  const when = times.length === 0 ? 'at an unrecorded time' : times[0] === times.at(-1) ? `on ${times[0]}` : `from ${times[0]} to ${times.at(-1)}`;
  return `${design}: ${mine.length} cells measured on commit ${commits.join(', ')} ${when}`;
}

const number = (value: number | null, digits = 1): string => (value === null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits }));

/**
 * The scale table, one row per cell. A cell that is not exact says so in
 * its last column, and its figures are shown in brackets: they are not
 * valid measurements. Latencies of a paced phase that fell behind carry a
 * `*`, explained under the table.
 */
export function scaleTable(cells: readonly ScaleCell[]): string[] {
  const header = ['design', 'P×C', 'batch', 'records/s', 'conflicts/commit', 'redelivered', 'requests/1k', 'items/1k', 'WCU/1k', 'CPU ms/1k', 'e2e p50 ms', 'e2e p99 ms', 'exact'];
  const rows = cells.map((c) => {
    const behind = c.pacedKeptUp === false ? '*' : '';
    const figures = [
      number(c.recordsPerSec),
      number(c.conflictsPerCommit, 3),
      number(c.redeliveredPartitions, 0),
      number(c.requestsPer1000),
      number(c.itemsPer1000),
      number(c.wcuPer1000),
      number(c.cpuMsPer1000),
      `${number(c.e2eP50Ms, 0)}${c.e2eP50Ms === null ? '' : behind}`,
      `${number(c.e2eP99Ms, 0)}${c.e2eP99Ms === null ? '' : behind}`,
    ].map((f) => (c.exact || f === '—' ? f : `[${f}]`));
    const verdict = c.exact ? 'yes' : `NO: figures invalid${c.error === undefined ? '' : ` (${c.error})`}`;
    return [c.design, `${c.partitions}×${c.processors}`, String(c.batchSize), ...figures, verdict];
  });
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (i === header.length - 1 ? 0 : (r[i]?.length ?? 0)))));
  const lines = all.map((r) => r.map((value, i) => (i < 3 ? value.padEnd(widths[i] ?? 0) : i === r.length - 1 ? value : value.padStart(widths[i] ?? 0))).join('  ').trimEnd());
  if (cells.some((c) => c.pacedKeptUp === false)) {
    lines.push('* the paced phase fell behind (its backlog outlasted production by more than 5 s or a quarter of it): the latency is of a growing backlog, not of a pipeline below saturation.');
  }
  return lines;
}
