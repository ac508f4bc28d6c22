import { describe, expect, it } from 'vitest';
import { closesAt, fixedWindowsFor, isWindowLate, sessionJoining, sessionsMerge } from '../../../functions/core/engine/windows.js';

const TUMBLING = { type: 'tumbling', sizeMs: 1000 } as const;
const HOPPING = { type: 'hopping', sizeMs: 3000, slideMs: 1000 } as const;

describe('fixedWindowsFor', () => {
  it('puts an event exactly at a window start into the window it starts', () => {
    // Prepare / Act
    const windows = fixedWindowsFor(TUMBLING, 5000);

    // Assess
    expect(windows).toEqual([{ start: 5000, end: 6000 }]);
  });

  it('keeps an event at end - 1 in the window it ends', () => {
    // Prepare / Act
    const windows = fixedWindowsFor(TUMBLING, 5999);

    // Assess
    expect(windows).toEqual([{ start: 5000, end: 6000 }]);
  });

  it('aligns windows of negative event times to the epoch, not to zero-towards rounding', () => {
    // Prepare / Act
    const justBefore = fixedWindowsFor(TUMBLING, -1);
    const atStart = fixedWindowsFor(TUMBLING, -1000);
    const atZero = fixedWindowsFor(TUMBLING, 0);

    // Assess
    expect(justBefore).toEqual([{ start: -1000, end: 0 }]);
    expect(atStart).toEqual([{ start: -1000, end: 0 }]);
    expect(atZero).toEqual([{ start: 0, end: 1000 }]);
  });

  it('gives size / slide hopping windows, oldest first, each containing the event', () => {
    // Prepare / Act
    const windows = fixedWindowsFor(HOPPING, 5500);

    // Assess
    expect(windows).toEqual([
      { start: 3000, end: 6000 },
      { start: 4000, end: 7000 },
      { start: 5000, end: 8000 },
    ]);
  });

  it('gives size / slide hopping windows at a slide boundary and at the last millisecond before one', () => {
    // Prepare / Act
    const atBoundary = fixedWindowsFor(HOPPING, 5000);
    const beforeBoundary = fixedWindowsFor(HOPPING, 4999);

    // Assess
    expect(atBoundary.map((w) => w.start)).toEqual([3000, 4000, 5000]);
    expect(beforeBoundary.map((w) => w.start)).toEqual([2000, 3000, 4000]);
  });

  it('gives hopping windows of negative event times that straddle zero', () => {
    // Prepare / Act
    const windows = fixedWindowsFor(HOPPING, -1);

    // Assess
    expect(windows).toEqual([
      { start: -3000, end: 0 },
      { start: -2000, end: 1000 },
      { start: -1000, end: 2000 },
    ]);
  });

  it('gives size / slide windows for every size that is a multiple of the slide', () => {
    for (const [sizeMs, slideMs] of [
      [60_000, 60_000],
      [60_000, 15_000],
      [3_600_000, 60_000],
      [10, 1],
    ] as const) {
      // Prepare / Act
      const windows = fixedWindowsFor({ type: 'hopping', sizeMs, slideMs }, 1_767_225_600_123);

      // Assess
      expect(windows).toHaveLength(sizeMs / slideMs);
      for (const w of windows) {
        expect(w.end - w.start).toBe(sizeMs);
        expect(w.start % slideMs).toBe(0);
        expect(w.start <= 1_767_225_600_123 && 1_767_225_600_123 < w.end).toBe(true);
      }
    }
  });
});

describe('closesAt and isWindowLate', () => {
  it('closes a window at its last timestamp plus the allowed lateness', () => {
    // Prepare / Act / Assess
    expect(closesAt(2000, 0)).toBe(1999);
    expect(closesAt(2000, 500)).toBe(2499);
  });

  it('treats a window as late once the watermark reaches end - 1 + lateness, as Flink does', () => {
    // Prepare / Act / Assess
    expect(isWindowLate(2000, 0, 1998)).toBe(false);
    expect(isWindowLate(2000, 0, 1999)).toBe(true);
    expect(isWindowLate(2000, 500, 2498)).toBe(false);
    expect(isWindowLate(2000, 500, 2499)).toBe(true);
  });

  it('never treats a window as late before the watermark has any value', () => {
    // Prepare / Act / Assess
    expect(isWindowLate(-1_000_000, 0, Number.NEGATIVE_INFINITY)).toBe(false);
  });
});

describe('sessionJoining', () => {
  it("calls a record that joins no session late once its own session [t, t + gap) would have closed", () => {
    const own = { start: 1000, end: 1700 };
    expect(sessionJoining(own, [], 0, 1698).late).toBe(false);
    expect(sessionJoining(own, [], 0, 1699).late).toBe(true);
    expect(sessionJoining(own, [], 100, 1798).late).toBe(false);
    expect(sessionJoining(own, [], 100, 1799).late).toBe(true);
  });

  it('takes a record late on its own into a session that has not closed, as Flink merges before judging', () => {
    // Gap 500, lateness 300, watermark 1001399: the open session [1000000, 1002100) takes a record at 1000100.
    const open = { start: 1_000_000, end: 1_002_100 };
    const joining = sessionJoining({ start: 1_000_100, end: 1_000_600 }, [open], 300, 1_001_399);
    expect(joining).toEqual({ session: open, absorbs: [open], late: false });
  });

  it('does not join a session the watermark has closed: the record starts one of its own', () => {
    const closed = { start: 1000, end: 1500 };
    expect(sessionJoining({ start: 1400, end: 1900 }, [closed], 0, 1600)).toEqual({ session: { start: 1400, end: 1900 }, absorbs: [], late: false });
  });

  it('merges every open session the growing session reaches, and nothing it does not', () => {
    const [a, b, c] = [{ start: 1000, end: 1500 }, { start: 2000, end: 2500 }, { start: 2600, end: 3000 }];
    const joining = sessionJoining({ start: 1500, end: 2000 }, [c, b, a], 0, 0);
    expect(joining.session).toEqual({ start: 1000, end: 2500 });
    expect(joining.absorbs).toEqual([b, a]);
  });

  it('merges sessions that overlap or touch, as Flink does, and not ones with a gap between', () => {
    expect(sessionsMerge({ start: 0, end: 700 }, { start: 700, end: 1400 })).toBe(true);
    expect(sessionsMerge({ start: 0, end: 700 }, { start: 500, end: 1200 })).toBe(true);
    expect(sessionsMerge({ start: 0, end: 700 }, { start: 701, end: 1401 })).toBe(false);
  });

  it('never treats a session record as late before the watermark has any value', () => {
    expect(sessionJoining({ start: -1_000_000, end: -999_300 }, [], 0, Number.NEGATIVE_INFINITY).late).toBe(false);
  });
});
