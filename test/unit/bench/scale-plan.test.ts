import { describe, expect, it } from 'vitest';
import type { ScaleCell } from '../../../bench/figures.js';
import {
  cellKey, checkRevenue, conflictsPerCommit, drainCpu, drainTargetSeconds, failedCell, FULL_SIZING, mergeScaleCells, pacedPhase, parseCellSelector,
  drainLowWater, nextDrainStep, pacedKeptUp, parseScaleArguments, provenanceOf, redeliveredPartitions, saveAs, scaleGrid, ScalePlanError, scaleTable, summariseCell,
  type CellObservation, type ProbeSample,
} from '../../../bench/scale-plan.js';

const PROVENANCE = { commit: 'abc123', measuredAt: '2026-12-07T03:00:00.000Z' };

function cell(overrides: Partial<ScaleCell> = {}): ScaleCell {
  return {
    design: 'ours',
    partitions: 3,
    processors: 1,
    batchSize: 100,
    recordsPerSec: 500,
    conflictsPerCommit: 0.1,
    redeliveredPartitions: 0,
    requestsPer1000: 40,
    itemsPer1000: 2_000,
    wcuPer1000: 4_000,
    cpuMsPer1000: 700,
    e2eP50Ms: 600,
    e2eP99Ms: 1_200,
    exact: true,
    ...PROVENANCE,
    ...overrides,
  };
}

function probe(pid: number, at: number, cpuMicros: number, writes = 0): ProbeSample {
  return { pid, at, cpuMicros, dynamodb: { requests: writes, items: writes * 10, writeUnits: writes * 20, failedRequests: 0 } };
}

describe('the scale grid', () => {
  it('measures ours at every P × C at the default batch size and at 3 × 1 over batch sizes, and Powertools at 3 × 1 and 24 × 6', () => {
    // Act
    const cells = scaleGrid(['ours', 'powertools']).map(cellKey);

    // Assess: 3 × 3 + 3 more batch sizes, then Powertools' two corners
    expect(cells).toEqual([
      'ours 3×1 b100', 'ours 3×1 b500', 'ours 3×1 b1000', 'ours 3×1 b2500',
      'ours 3×3 b100', 'ours 3×6 b100',
      'ours 12×1 b100', 'ours 12×3 b100', 'ours 12×6 b100',
      'ours 24×1 b100', 'ours 24×3 b100', 'ours 24×6 b100',
      'powertools 3×1 b100', 'powertools 24×6 b100',
    ]);
  });

  it('keeps only the cells asked for, at the default batch size unless one is named', () => {
    // Act
    const cells = scaleGrid(['ours'], { only: ['3x1', '12x3', '24x6', '3x1@2500'].map(parseCellSelector) }).map(cellKey);

    // Assess
    expect(cells).toEqual(['ours 3×1 b100', 'ours 3×1 b2500', 'ours 12×3 b100', 'ours 24×6 b100']);
  });

  it('refuses a cell that is not in the grid rather than measuring fewer than asked', () => {
    // Act & Assess
    expect(() => scaleGrid(['powertools'], { only: [parseCellSelector('12x3')] })).toThrow(/not in the grid of powertools: 12x3/);
  });

  it('refuses a malformed cell, and more processes than partitions', () => {
    // Act & Assess
    expect(() => parseCellSelector('12-3')).toThrow(ScalePlanError);
    expect(() => parseCellSelector('0x1')).toThrow(/at least 1/);
    expect(parseCellSelector('3x6')).toEqual({ partitions: 3, processors: 6 });
    expect(parseCellSelector('3x1@500')).toEqual({ partitions: 3, processors: 1, batchSize: 500 });
  });

  it('picks --quick --cells from the full grid', () => {
    // Act & Assess
    expect(scaleGrid(['ours'], { quick: true, only: [parseCellSelector('24x6')] }).map(cellKey)).toEqual(['ours 24×6 b100']);
  });

  it('has tiny cells of every design for --quick', () => {
    // Act
    const cells = scaleGrid(['ours', 'powertools'], { quick: true });

    // Assess
    expect(new Set(cells.map((c) => c.design))).toEqual(new Set(['ours', 'powertools']));
    expect(cells.length).toBeLessThanOrEqual(4);
  });
});

describe('the command line', () => {
  it('runs ours and powertools by default and writes them under their own names', () => {
    // Act
    const options = parseScaleArguments([]);

    // Assess
    expect(options).toEqual({ designs: ['ours', 'powertools'], quick: false, budgetMinutes: 30 });
  });

  it('records ours as previous only when ours alone is measured', () => {
    // Act & Assess
    expect(parseScaleArguments(['--design', 'ours', '--save-as', 'previous']).saveAs).toBe('previous');
    expect(() => parseScaleArguments(['--save-as', 'previous'])).toThrow(/--design ours alone/);
    expect(() => parseScaleArguments(['--design', 'ours', '--save-as', 'powertools'])).toThrow(ScalePlanError);
  });

  it('refuses "previous" as a design to run: it is ours on an earlier commit', () => {
    // Act & Assess
    expect(() => parseScaleArguments(['--design', 'previous'])).toThrow(/--save-as previous/);
  });

  it('parses the cells and the budget', () => {
    // Act
    const options = parseScaleArguments(['--design', 'ours', '--cells', '3x1,24x6', '--budget-minutes', '20']);

    // Assess
    expect(options.only).toEqual([{ partitions: 3, processors: 1 }, { partitions: 24, processors: 6 }]);
    expect(options.budgetMinutes).toBe(20);
    expect(() => parseScaleArguments(['--budget-minutes', '0'])).toThrow(/positive/);
  });
});

describe('sizing', () => {
  const rule = { targetSeconds: 40, minRecords: 1_000, maxRecords: 40_000 };
  const step = (state: { elapsedSeconds: number; produced: number; committed: number }): ReturnType<typeof nextDrainStep> =>
    nextDrainStep({ ...state, lowWater: 500, targetSeconds: 30, rule });

  it('keeps two batches and 3 s of the warm-up rate waiting, and at least 200 records', () => {
    // Act & Assess
    expect(drainLowWater(100, 80)).toBe(240);
    expect(drainLowWater(2_500, 80)).toBe(5_000);
    expect(drainLowWater(100, Number.NaN)).toBe(200);
  });

  it('starts the drain with a backlog of twice the low-water mark', () => {
    // Act & Assess
    expect(step({ elapsedSeconds: 0, produced: 0, committed: 0 })).toEqual({ kind: 'produce', records: 1_000 });
  });

  it('tops the backlog up when it runs low, and waits while it does not', () => {
    // Act & Assess: 100 records/s so far, far from the target
    expect(step({ elapsedSeconds: 5, produced: 1_000, committed: 500 })).toEqual({ kind: 'wait' });
    expect(step({ elapsedSeconds: 8, produced: 1_000, committed: 800 })).toEqual({ kind: 'produce', records: 800 });
  });

  it('stops producing once the records waiting would end the drain past the target at the rate so far', () => {
    // Act: 20 s in at 100 records/s, 1 000 waiting take 10 s more
    const stop = step({ elapsedSeconds: 20, produced: 3_000, committed: 2_000 });

    // Assess
    expect(stop.kind).toBe('stop');
    expect(stop.kind === 'stop' ? stop.why : '').toContain('1,000 records waiting at 100/s');
  });

  it('produces the minimum however slow the drain, and never more than the maximum', () => {
    // Act & Assess: 10 records/s is far past the target, but 1 000 records are not produced yet
    expect(step({ elapsedSeconds: 60, produced: 800, committed: 600 })).toEqual({ kind: 'produce', records: 800 });
    expect(step({ elapsedSeconds: 1, produced: 39_500, committed: 39_400 })).toEqual({ kind: 'produce', records: 500 });
    expect(step({ elapsedSeconds: 1, produced: 40_000, committed: 0 }).kind).toBe('stop');
  });

  it('shortens drains to fit the budget, never below 10 s nor above the sizing\'s target', () => {
    // Prepare
    const grid = scaleGrid(['ours', 'powertools']);

    // Act
    const full = drainTargetSeconds(grid, FULL_SIZING, 30 * 60);
    const roomy = drainTargetSeconds(grid.slice(0, 2), FULL_SIZING, 30 * 60);
    const tight = drainTargetSeconds(grid, FULL_SIZING, 5 * 60);

    // Assess: 14 cells' fixed costs (45 s + 30 s paced each, 5 s for each of their 40 processes) are 1 250 s: (1 800 - 1 250) / 14 = 39 s
    expect(full.seconds).toBe(39);
    expect(roomy.seconds).toBe(40);
    expect(tight.seconds).toBe(10);
    // (1 500 - 1 250) / 14 = 17 s
    expect(drainTargetSeconds(grid, FULL_SIZING, 25 * 60).seconds).toBe(17);
  });

  it('paces at a share of the drain rate for the phase\'s time, after a settling period', () => {
    // Act & Assess
    expect(pacedPhase(801, { share: 0.5, settleSeconds: 10, seconds: 20, minRecords: 200 })).toMatchObject({ ratePerSec: 401, settleRecords: 4_010, records: 12_030 });
    expect(pacedPhase(3, { share: 0.5, settleSeconds: 10, seconds: 20, minRecords: 200 })).toMatchObject({ ratePerSec: 2, settleRecords: 20, records: 220 });
  });
});

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

describe('merging into bench/results.json', () => {
  it('keeps the previous design\'s cells a full run did not measure, and replaces the cells it did', () => {
    // Prepare
    const recorded = [cell({ design: 'previous', recordsPerSec: 300 }), cell({ design: 'ours', recordsPerSec: 310 }), cell({ design: 'powertools', partitions: 24, processors: 6 })];
    const measured = [cell({ design: 'ours', recordsPerSec: 900 }), cell({ design: 'powertools', partitions: 3, processors: 1 })];

    // Act
    const merged = mergeScaleCells(recorded, measured);

    // Assess
    expect(merged.map((c) => `${cellKey(c)} ${c.recordsPerSec}`)).toEqual([
      'ours 3×1 b100 900',
      'previous 3×1 b100 300',
      'powertools 3×1 b100 500',
      'powertools 24×6 b100 500',
    ]);
  });

  it('files a run saved as previous under previous, leaving ours as recorded', () => {
    // Prepare
    const recorded = [cell({ design: 'ours', recordsPerSec: 310 }), cell({ design: 'previous', recordsPerSec: 200, commit: 'old' })];

    // Act
    const merged = mergeScaleCells(recorded, saveAs([cell({ recordsPerSec: 320, commit: 'new' })], 'previous'));

    // Assess
    expect(merged.map((c) => `${c.design} ${c.recordsPerSec} ${c.commit}`)).toEqual(['ours 310 abc123', 'previous 320 new']);
  });

  it('starts the array when results.json has none', () => {
    // Act & Assess
    expect(mergeScaleCells(undefined, [cell()])).toEqual([cell()]);
  });

  it('says on which commit and when the previous cells were measured', () => {
    // Prepare
    const cells = [cell({ design: 'previous', measuredAt: '2026-12-07T03:10:00.000Z' }), cell({ design: 'previous', partitions: 24, processors: 6 })];

    // Act & Assess
    expect(provenanceOf(cells, 'previous')).toBe('previous: 2 cells measured on commit abc123 from 2026-12-07T03:00:00.000Z to 2026-12-07T03:10:00.000Z');
    expect(provenanceOf(cells, 'powertools')).toBeUndefined();
  });
});

describe('the scale table', () => {
  it('flags a cell that is not exact and brackets its figures', () => {
    // Act
    const lines = scaleTable([cell(), cell({ design: 'powertools', exact: false, conflictsPerCommit: null })]);

    // Assess
    expect(lines[1]).toMatch(/^ours\s+3×1\s+100\s+500\s+0\.1\s.*\syes$/);
    expect(lines[2]).toContain('[500]');
    expect(lines[2]).toContain('—');
    expect(lines[2]).toMatch(/NO: figures invalid$/);
    expect(lines).toHaveLength(3);
  });

  it('marks latencies of a paced phase that fell behind, and says what the mark means', () => {
    // Act
    const lines = scaleTable([cell({ pacedKeptUp: false })]);

    // Assess
    expect(lines[1]).toMatch(/\s600\*\s+1,200\*\s+yes$/);
    expect(lines[2]).toMatch(/^\* the paced phase fell behind/);
  });
});
