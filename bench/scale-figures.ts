/**
 * What a scale cell's figures are from what it observed (throughput,
 * conflicts, DynamoDB writes and CPU per 1,000 records, latency), and
 * whether its final state is exact against the plan. Pure, so unit tests
 * cover it (test/unit/bench/scale-figures.test.ts).
 */
import type { ScaleCell } from './figures.js';
import { cellKey, ScalePlanError, type CellSpec } from './scale-plan.js';

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
    error: o.error,
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
