import { describe, expect, it } from 'vitest';
import type { ScaleCell } from '../../../bench/figures.js';
import { cellKey } from '../../../bench/scale-plan.js';
import { mergeScaleCells, provenanceOf, saveAs, scaleTable } from '../../../bench/scale-results.js';

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
