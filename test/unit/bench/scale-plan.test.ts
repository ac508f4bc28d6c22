import { describe, expect, it } from 'vitest';
import { cellKey, drainLowWater, drainTargetSeconds, FULL_SIZING, nextDrainStep, pacedPhase, parseCellSelector, parseScaleArguments, scaleGrid, ScalePlanError } from '../../../bench/scale-plan.js';

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
