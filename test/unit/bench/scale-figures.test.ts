import { describe, expect, it } from 'vitest';
import { type CellObservation, checkRevenue, conflictsPerCommit, drainCpu, failedCell, pacedKeptUp, type ProbeSample, redeliveredPartitions, summariseCell } from '../../../bench/scale-figures.js';

const PROVENANCE = { commit: 'abc123', measuredAt: '2026-12-07T03:00:00.000Z' };

function probe(pid: number, at: number, cpuMicros: number, writes = 0): ProbeSample {
  return { pid, at, cpuMicros, dynamodb: { requests: writes, items: writes * 10, writeUnits: writes * 20, failedRequests: 0 } };
}


describe('a cell\'s figures', () => {
  function observation(overrides: Partial<CellObservation> = {}): CellObservation {
    return {
      spec: { design: 'ours', partitions: 12, processors: 2, batchSize: 100 },
      drainRecords: 4_000,
      drainStartedAt: 10_000,
      drainEndedAt: 18_000,
      // Process 1 idles at 0.01 ms of CPU per ms, process 2 at 0.
      idle: { before: [probe(1, 0, 0), probe(2, 0, 0)], after: [probe(1, 1_000, 10_000), probe(2, 1_000, 0)] },
      drain: { before: [probe(1, 9_000, 50_000, 5), probe(2, 9_000, 0, 0)], after: [probe(1, 19_000, 1_050_000, 85), probe(2, 19_000, 1_000_000, 80)] },
      drainStats: [
        { commits: 30, conflicts: 3, uncommitted: 0 },
        { commits: 10, conflicts: 1, uncommitted: 4 },
      ],
      redeliveredPartitions: 1,
      pacedLatenciesMs: Array.from({ length: 100 }, (_, i) => i + 1),
      pacedRatePerSec: 250,
      pacedProductionSeconds: 20,
      pacedTailSeconds: 1.2,
      exact: true,
      ...overrides,
    };
  }

  it('divides the drain by its time and writes and CPU by its records, less idle polling', () => {
    // Act
    const figures = summariseCell(observation(), PROVENANCE);

    // Assess: 4 000 records in 8 s; 160 requests, 1 600 items, 3 200 WCU; 2 000 ms CPU less 100 ms idle (0.01 × 10 000 ms)
    expect(figures).toMatchObject({
      design: 'ours',
      partitions: 12,
      processors: 2,
      recordsPerSec: 500,
      conflictsPerCommit: 0.1,
      redeliveredPartitions: 1,
      requestsPer1000: 40,
      itemsPer1000: 400,
      wcuPer1000: 800,
      cpuMsPer1000: 475,
      e2eP50Ms: 50,
      e2eP99Ms: 99,
      exact: true,
      drainRecords: 4_000,
      commit: 'abc123',
    });
  });

  it('keeps an inexact cell\'s verdict with its figures', () => {
    // Act & Assess
    expect(summariseCell(observation({ exact: false }), PROVENANCE).exact).toBe(false);
  });

  it('keeps the drain figures of a cell whose paced phase did not drain, not exact and saying why', () => {
    // Act
    const figures = summariseCell(observation({ pacedTailSeconds: null, error: 'paced phase: not drained after 300 s' }), PROVENANCE);

    // Assess
    expect(figures).toMatchObject({ recordsPerSec: 500, exact: false, pacedKeptUp: false, error: 'paced phase: not drained after 300 s' });
    expect(figures.pacedTailSeconds).toBeUndefined();
  });

  it('says whether the paced phase kept up, from how long its backlog outlasted production', () => {
    // Act & Assess
    expect(summariseCell(observation(), PROVENANCE)).toMatchObject({ pacedKeptUp: true, pacedTailSeconds: 1.2 });
    expect(pacedKeptUp(20, 5)).toBe(true);
    expect(pacedKeptUp(20, 5.1)).toBe(false);
    expect(pacedKeptUp(40, 10)).toBe(true);
    expect(pacedKeptUp(40, null)).toBe(false);
  });

  it('has no conflicts per commit for a design that logs no commits', () => {
    // Act & Assess
    expect(conflictsPerCommit([{ uncommitted: 0 }, { uncommitted: 0 }])).toBeNull();
    expect(conflictsPerCommit([{ commits: 0, conflicts: 0 }])).toBeNull();
    expect(conflictsPerCommit([{ commits: 4, conflicts: 1 }, { uncommitted: 0 }])).toBe(0.25);
  });

  it('counts partitions handed back, and every partition of an invocation that failed as a whole', () => {
    // Act
    const count = redeliveredPartitions(
      [{ uncommitted: 0 }, { uncommitted: 3 }, { uncommitted: 1 }],
      [
        { result: 'SUCCESS', partitions: ['orders-0@0..9'] },
        { result: 'PARTIAL_FAILURE', partitions: ['orders-1@0..9', 'orders-2@0..9'] }, // its partition is in the stats
        { result: 'TIMEOUT', partitions: ['orders-0@10..19', 'orders-1@10..19'] },
      ],
    );

    // Assess
    expect(count).toBe(4);
  });

  it('refuses CPU from a process that has no sample at the drain\'s start', () => {
    // Act & Assess
    expect(() => drainCpu({ idle: { before: [], after: [] }, drain: { before: [], after: [probe(1, 0, 0)] } })).toThrow(/no drain-start sample for process 1/);
  });

  it('records a failed cell with no figures, not exact, and why', () => {
    // Act
    const failed = failedCell({ design: 'powertools', partitions: 24, processors: 6, batchSize: 100 }, 'not drained after 180 s', PROVENANCE);

    // Assess
    expect(failed).toMatchObject({ design: 'powertools', recordsPerSec: null, cpuMsPer1000: null, exact: false, error: 'not drained after 180 s' });
  });
});

describe('checking a cell against the plan', () => {
  const planned = new Map([
    ['store-1@60000', { orders: 2, revenueCents: 1_000 }],
    ['web@60000', { orders: 1, revenueCents: 250 }],
  ]);

  it('is exact when every store-minute matches', () => {
    // Act & Assess
    expect(checkRevenue(planned, new Map(planned))).toEqual({ exact: true, checked: 2, differing: 0 });
  });

  it('is not exact when a store-minute differs, is missing, or is extra', () => {
    // Act
    const doubled = checkRevenue(planned, new Map([...planned, ['store-1@60000', { orders: 3, revenueCents: 1_500 }]]));
    const missing = checkRevenue(planned, new Map([['web@60000', { orders: 1, revenueCents: 250 }]]));
    const extra = checkRevenue(planned, new Map([...planned, ['store-2@0', { orders: 1, revenueCents: 1 }]]));

    // Assess
    expect(doubled).toMatchObject({ exact: false, differing: 1, example: 'store-1@60000: state {"orders":3,"revenueCents":1500}, planned {"orders":2,"revenueCents":1000}' });
    expect(missing).toMatchObject({ exact: false, differing: 1 });
    expect(extra).toMatchObject({ exact: false, checked: 3, differing: 1 });
  });

  it('is not exact when there is nothing to compare', () => {
    // Act & Assess
    expect(checkRevenue(new Map(), new Map()).exact).toBe(false);
  });
});
