import { describe, expect, it } from 'vitest';
import { defineProcessor, type WindowSpec } from '../../../functions/core/engine/definition.js';
import { planChunk } from '../../../functions/core/engine/plan-chunk.js';
import { prepareRecord } from '../../../functions/core/engine/prepared-record.js';
import { partitionWatermark } from '../../../functions/core/engine/watermark.js';
import { sliceOf, windowsOfSlice } from '../../../functions/core/engine/window-slices.js';
import { fixedWindowsFor, isWindowLate, sessionJoining, sessionsMerge } from '../../../functions/core/engine/windows.js';
import type { CheckpointBody, KeyWindowsBody, WindowPaneBody } from '../../../functions/core/state/state-items.js';
import type { StoredItem } from '../../../functions/core/state/state-store.js';
import { idKey, itemIds } from '../../../functions/core/state/table-layout.js';
import {
  NOTHING_CLOSED,
  sessionClosedWithout,
  SessionReplay,
  sessionsJoin,
  watermarkAfter,
  windowsContaining,
  windowsTaking,
  windowTakes,
  type FixedLayout,
} from '../../engine/harness/oracle-windows.js';
import { decoded, NOW, TOPIC } from './engine-fixtures.js';

/*
 * The event-time rules as literal cases, checked against both the engine
 * and the exactly-once oracle, which implement them independently. The
 * expected values are written out here and computed by neither side, so
 * the property test cannot pass with both sides sharing a mistake in these
 * rules. Windows are [start, end] pairs; 'late' means no window takes it.
 */

type Fixed = Exclude<WindowSpec, { type: 'session' }>;
type Pair = readonly [number, number];
type Taken = readonly Pair[] | 'late';

const TUMBLING_1S: Fixed = { type: 'tumbling', sizeMs: 1000 };
const HOPPING_3S_1S: Fixed = { type: 'hopping', sizeMs: 3000, slideMs: 1000 };
const HOPPING_10_5: Fixed = { type: 'hopping', sizeMs: 10, slideMs: 5 };
const SESSION_700: WindowSpec = { type: 'session', gapMs: 700 };
const INF = Number.POSITIVE_INFINITY;

const layoutOf = (spec: Fixed): FixedLayout => ({ sizeMs: spec.sizeMs, slideMs: spec.type === 'tumbling' ? spec.sizeMs : spec.slideMs });
const pairs = (spans: ReadonlyArray<{ start: number; end: number }>): Pair[] => spans.map((s) => [s.start, s.end]);

const FIXED_WINDOWS: ReadonlyArray<readonly [string, Fixed, number, readonly Pair[]]> = [
  ['tumbling at a window start', TUMBLING_1S, 5000, [[5000, 6000]]],
  ['tumbling at end - 1', TUMBLING_1S, 5999, [[5000, 6000]]],
  ['tumbling just before the epoch', TUMBLING_1S, -1, [[-1000, 0]]],
  ['tumbling at a negative start', TUMBLING_1S, -1000, [[-1000, 0]]],
  ['tumbling at the epoch', TUMBLING_1S, 0, [[0, 1000]]],
  ['hopping mid-slide', HOPPING_3S_1S, 5500, [[3000, 6000], [4000, 7000], [5000, 8000]]],
  ['hopping at a slide boundary', HOPPING_3S_1S, 5000, [[3000, 6000], [4000, 7000], [5000, 8000]]],
  ['hopping just before a slide boundary', HOPPING_3S_1S, 4999, [[2000, 5000], [3000, 6000], [4000, 7000]]],
  ['hopping straddling the epoch', HOPPING_3S_1S, -1, [[-3000, 0], [-2000, 1000], [-1000, 2000]]],
  ['hopping with a small slide', HOPPING_10_5, 12, [[5, 15], [10, 20]]],
];

// [end, allowed lateness, watermark, late]
const WINDOW_LATE: ReadonlyArray<readonly [number, number, number, boolean]> = [
  [2000, 0, 1998, false],
  [2000, 0, 1999, true],
  [2000, 500, 2498, false],
  [2000, 500, 2499, true],
  [-1_000_000, 0, -INF, false],
  [2000, 0, INF, true],
];

// [event time, gap, allowed lateness, watermark, late]: a record joining no session is late once its own session [t, t + gap) is.
const SESSION_RECORD_LATE: ReadonlyArray<readonly [number, number, number, number, boolean]> = [
  [1000, 700, 0, 1698, false],
  [1000, 700, 0, 1699, true],
  [1000, 700, 100, 1798, false],
  [1000, 700, 100, 1799, true],
  [-1_000_000, 700, 0, -INF, false],
];

// [earlier event times of the partition, out-of-orderness, watermark]
const WATERMARKS: ReadonlyArray<readonly [readonly number[], number, number]> = [
  [[], 300, -INF],
  // Flink's bounded out-of-orderness: newest - out-of-orderness - 1.
  [[5000], 300, 4699],
  [[5000, 7000, 6000], 300, 6699],
  [[5000], 0, 4999],
];

// [what, gap / lateness / out-of-orderness, one key's event times in arrival order, its sessions as [start, end, records]]
const FLINK_SESSIONS: ReadonlyArray<readonly [string, { gap: number; lateness: number; outOfOrderness: number }, readonly number[], ReadonlyArray<readonly [number, number, number]>]> = [
  [
    'a record late on its own joins a session that has not fired',
    { gap: 700, lateness: 0, outOfOrderness: 0 },
    // 2300's own [2300, 3000) fired at watermark 2999, but it touches [3000, 3700), which has not.
    [3000, 2300],
    [[2300, 3700, 2]],
  ],
  [
    'the merged session decides: Flink counts the sixth record, at 1000900',
    { gap: 500, lateness: 300, outOfOrderness: 200 },
    [1_000_000, 1_000_400, 1_000_800, 1_001_200, 1_001_600, 1_000_900],
    [[1_000_000, 1_002_100, 6]],
  ],
  [
    'a record touching a session that fired starts one of its own',
    { gap: 700, lateness: 0, outOfOrderness: 0 },
    // At 1650 the watermark is 1999: [1000, 1700) has fired, [2000, 2700) has not.
    [1000, 2000, 1650],
    [[1000, 1700, 1], [1650, 2700, 2]],
  ],
  [
    'a record bridging two open sessions merges all three',
    { gap: 500, lateness: 0, outOfOrderness: 1000 },
    [1000, 2000, 1500],
    [[1000, 2500, 3]],
  ],
  [
    'late when every session it touches has fired and so has its own',
    { gap: 500, lateness: 0, outOfOrderness: 0 },
    [1000, 3000, 1200],
    [[1000, 1500, 1], [3000, 3500, 1]],
  ],
];

// [a, b, merge]
const SESSION_PAIRS: ReadonlyArray<readonly [Pair, Pair, boolean]> = [
  [[0, 700], [700, 1400], true],
  [[700, 1400], [0, 700], true],
  [[0, 700], [500, 1200], true],
  [[0, 1000], [200, 300], true],
  [[0, 700], [701, 1401], false],
  [[701, 1401], [0, 700], false],
];

// [what, event times in arrival order, sessions with a 700 ms gap]
const MERGED_SESSIONS: ReadonlyArray<readonly [string, readonly number[], readonly Pair[]]> = [
  ['touching, in order', [1000, 1700], [[1000, 2400]]],
  ['touching, the later first', [1700, 1000], [[1000, 2400]]],
  ['overlapping', [1000, 1200], [[1000, 1900]]],
  ['one millisecond apart', [1000, 1701], [[1000, 1700], [1701, 2401]]],
  ['bridged by a record touching both', [1000, 2400, 1700], [[1000, 3100]]],
  ['bridged by a record overlapping both', [1000, 2300, 1650], [[1000, 3000]]],
];

interface RecordCase {
  readonly what: string;
  readonly window: WindowSpec;
  readonly lateness: number;
  readonly outOfOrderness: number;
  /** Event times of the partition's earlier records. */
  readonly earlier: readonly number[];
  /** The newest window end the window closer closed for the key; none if undefined. */
  readonly closedThrough?: number;
  readonly t: number;
  readonly taken: Taken;
}

const RECORDS: readonly RecordCase[] = [
  { what: 'any record before the partition has a watermark', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [], t: -1000, taken: [[-1000, 0]] },
  { what: 'tumbling, watermark one short of end - 1', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [6299], t: 5999, taken: [[5000, 6000]] },
  { what: 'tumbling, watermark at end - 1', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [6300], t: 5999, taken: 'late' },
  { what: 'tumbling, the next window still open', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [6300], t: 6000, taken: [[6000, 7000]] },
  { what: 'tumbling, an older record does not lower the watermark', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [6300, 1001], t: 5999, taken: 'late' },
  { what: 'hopping, all three windows open', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [6499], t: 5500, taken: [[3000, 6000], [4000, 7000], [5000, 8000]] },
  { what: 'hopping, the oldest window just closed', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [6500], t: 5500, taken: [[4000, 7000], [5000, 8000]] },
  { what: 'hopping, only the newest window open', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [8499], t: 5500, taken: [[5000, 8000]] },
  { what: 'hopping, every window closed', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [8500], t: 5500, taken: 'late' },
  { what: 'tumbling, window closed by the closer', window: TUMBLING_1S, lateness: 0, outOfOrderness: 300, earlier: [], closedThrough: 6000, t: 5500, taken: 'late' },
  { what: 'hopping, the closed window only', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [], closedThrough: 6000, t: 5500, taken: [[4000, 7000], [5000, 8000]] },
  { what: 'hopping, closed just before its windows', window: HOPPING_3S_1S, lateness: 200, outOfOrderness: 300, earlier: [], closedThrough: 5999, t: 5500, taken: [[3000, 6000], [4000, 7000], [5000, 8000]] },
  { what: 'session, watermark one short of t + gap - 1 + lateness', window: SESSION_700, lateness: 100, outOfOrderness: 300, earlier: [2099], t: 1000, taken: [[1000, 1700]] },
  { what: 'session, watermark at t + gap - 1 + lateness', window: SESSION_700, lateness: 100, outOfOrderness: 300, earlier: [2100], t: 1000, taken: 'late' },
  { what: 'session, touching a session closed without this idle partition', window: SESSION_700, lateness: 100, outOfOrderness: 300, earlier: [], closedThrough: 1000, t: 1000, taken: 'late' },
  { what: 'session, just after a session closed without this partition', window: SESSION_700, lateness: 100, outOfOrderness: 300, earlier: [], closedThrough: 1000, t: 1001, taken: [[1001, 1701]] },
  { what: 'session, touching a closed session this partition saw fire: one of its own', window: SESSION_700, lateness: 100, outOfOrderness: 300, earlier: [1500], closedThrough: 1000, t: 1000, taken: [[1000, 1700]] },
];

interface Sale {
  readonly key: string;
  readonly t: number;
}

type Layout = 'per-key' | 'panes';

/**
 * One window view over key `k` (earlier records go to key `earlier`, so they
 * never share its windows). With `merge`, fixed windows are kept in
 * per-partition panes; without, one item per key.
 */
function processor(window: WindowSpec, lateness: number, outOfOrderness: number, layout: Layout) {
  const count = { initial: () => 0, add: (n: number) => n + 1 };
  return defineProcessor<Sale>({
    name: 'semantics',
    input: { topics: [{ name: TOPIC, partitions: 1 }] },
    eventTime: (v) => v.t,
    watermark: { outOfOrdernessMs: outOfOrderness },
    views: [
      {
        kind: 'window',
        name: 'v',
        key: (v) => v.key,
        window,
        allowedLatenessMs: lateness,
        aggregate: layout === 'panes' || window.type === 'session' ? { ...count, merge: (a: number, b: number) => a + b } : count,
      },
    ],
  });
}

/**
 * What the engine's own fold (planChunk) does with records of key `k`
 * after `earlier` records of the partition, which come either in the same
 * chunk or through the checkpoint of an earlier one: 'late', or the
 * windows of `k` once they are applied. What the closer closed is the
 * key's closedThrough in the per-key layout, and the seal it puts on the
 * record's pane in the pane layout (as it does for a partition behind it).
 */
function engineTakes(
  c: Pick<RecordCase, 'window' | 'lateness' | 'outOfOrderness' | 'earlier' | 'closedThrough'>,
  times: readonly number[],
  route: 'chunk' | 'checkpoint',
  layout: Layout = 'per-key',
): Taken {
  const definition = processor(c.window, c.lateness, c.outOfOrderness, layout);
  const panes = layout === 'panes' && c.window.type !== 'session';
  const paneOf = (t: number) => {
    const spec = c.window as Exclude<WindowSpec, { type: 'session' }>;
    return { id: itemIds.windowPane('v', sliceOf(spec, t).start, TOPIC, 0), slice: sliceOf(spec, t) };
  };
  const keyId = itemIds.keyWindows('v', 'k');
  const earlierId = itemIds.keyWindows('v', 'earlier');
  const state = new Map<string, StoredItem>();
  if (c.closedThrough !== undefined && !panes) {
    state.set(idKey(keyId), { id: keyId, rev: 1, body: { kind: 'key-windows', view: 'v', key: 'k', windows: [], closedThrough: c.closedThrough } });
  }
  if (c.closedThrough !== undefined && panes) {
    for (const t of times) {
      const { id, slice } = paneOf(t);
      const sealed: WindowPaneBody = { kind: 'window-pane', view: 'v', topic: TOPIC, partition: 0, start: slice.start, end: slice.end, applied: -1, keys: {}, ids: {}, sealedThrough: c.closedThrough };
      state.set(idKey(id), { id, rev: 1, body: sealed });
    }
  }
  const before = route === 'chunk' ? c.earlier : [];
  const newest = c.earlier.reduce<number | null>((max, t) => (max === null || t > max ? t : max), null);
  const checkpoint: StoredItem<CheckpointBody> | undefined =
    route === 'checkpoint' && newest !== null
      ? { id: itemIds.checkpoint(TOPIC, 0), rev: 1, body: { kind: 'checkpoint', topic: TOPIC, partition: 0, offset: 0, maxEventTime: newest, lastActivityAt: NOW } }
      : undefined;
  const values: Sale[] = [...before.map((t) => ({ key: 'earlier', t })), ...times.map((t) => ({ key: 'k', t }))];
  const readKeys = new Set([idKey(keyId), idKey(earlierId), ...(panes ? values.map((v) => idKey(paneOf(v.t).id)) : [])]);
  const plan = planChunk({
    definition,
    topic: TOPIC,
    partition: 0,
    records: values.map((v, i) => prepareRecord(definition, decoded(i + 1, v))),
    checkpoint,
    metaExists: true,
    throughOffset: values.length,
    state,
    readKeys,
    now: NOW,
  });
  if (plan.kind !== 'planned') throw new Error('the plan asked for reads it was given');
  const mine = plan.dispositions.slice(before.length);
  if (mine.every(({ disposition }) => disposition.kind === 'rejected')) return 'late';
  if (panes) {
    // A pane's partial counts towards the windows of its slice ending at or after its first window end.
    const spec = c.window;
    const taken = plan.ownWrites.flat().flatMap((w) => {
      const pane = w.body as WindowPaneBody;
      return (pane.keys.k ?? []).flatMap(([fromEnd]) => windowsOfSlice(spec, pane.start).filter((window) => window.end >= fromEnd));
    });
    return pairs(taken);
  }
  const written = plan.writes.find((w) => w.body?.kind === 'key-windows' && w.body.key === 'k')?.body as KeyWindowsBody;
  return pairs(written.windows);
}

/** The sessions of key `k` the engine's fold leaves after `times`, one chunk, as [start, end, records]. */
function engineSessions(spec: { gap: number; lateness: number; outOfOrderness: number }, times: readonly number[]): ReadonlyArray<readonly [number, number, number]> {
  const definition = processor({ type: 'session', gapMs: spec.gap }, spec.lateness, spec.outOfOrderness, 'per-key');
  const keyId = itemIds.keyWindows('v', 'k');
  const plan = planChunk({
    definition,
    topic: TOPIC,
    partition: 0,
    records: times.map((t, i) => prepareRecord(definition, decoded(i + 1, { key: 'k', t }))),
    checkpoint: undefined,
    metaExists: true,
    throughOffset: times.length,
    state: new Map(),
    readKeys: new Set([idKey(keyId)]),
    now: NOW,
  });
  if (plan.kind !== 'planned') throw new Error('the plan asked for reads it was given');
  const written = plan.writes.find((w) => w.body?.kind === 'key-windows')?.body as KeyWindowsBody;
  return written.windows.map((w) => [w.start, w.end, w.count]);
}

function oracleTakes(c: RecordCase): Taken {
  const watermark = watermarkAfter(c.earlier, c.outOfOrderness);
  const closed = c.closedThrough ?? NOTHING_CLOSED;
  if (c.window.type === 'session') {
    const onTime = !sessionClosedWithout(c.t, c.lateness, watermark, closed) && new SessionReplay<number>(c.window.gapMs, c.lateness).offer(c.t, c.t, watermark);
    return onTime ? [[c.t, c.t + c.window.gapMs]] : 'late';
  }
  const taking = windowsTaking(c.t, layoutOf(c.window), c.lateness, watermark, closed);
  return taking.length === 0 ? 'late' : pairs(taking);
}

describe('window semantics, engine and oracle alike', () => {
  describe('the windows an event time belongs to', () => {
    it.each(FIXED_WINDOWS)('%s: engine', (_what, spec, t, windows) => {
      expect(pairs(fixedWindowsFor(spec, t))).toEqual(windows);
    });
    it.each(FIXED_WINDOWS)('%s: oracle', (_what, spec, t, windows) => {
      expect(pairs(windowsContaining(t, layoutOf(spec)))).toEqual(windows);
    });
  });

  describe('whether a window is late at a watermark', () => {
    it.each(WINDOW_LATE)('end %d, lateness %d, watermark %d is late: %s (engine)', (end, lateness, watermark, late) => {
      expect(isWindowLate(end, lateness, watermark)).toBe(late);
    });
    it.each(WINDOW_LATE)('end %d, lateness %d, watermark %d is late: %s (oracle)', (end, lateness, watermark, late) => {
      expect(!windowTakes(end, lateness, watermark, NOTHING_CLOSED)).toBe(late);
    });
  });

  describe('whether a session record is late at a watermark', () => {
    it.each(SESSION_RECORD_LATE)('event time %d, gap %d, lateness %d, watermark %d is late: %s (engine)', (t, gap, lateness, watermark, late) => {
      expect(sessionJoining({ start: t, end: t + gap }, [], lateness, watermark).late).toBe(late);
    });
    it.each(SESSION_RECORD_LATE)('event time %d, gap %d, lateness %d, watermark %d is late: %s (oracle)', (t, gap, lateness, watermark, late) => {
      expect(!new SessionReplay<number>(gap, lateness).offer(t, t, watermark)).toBe(late);
    });
  });

  describe("a partition's watermark", () => {
    it.each(WATERMARKS)('after %j with out-of-orderness %d is %d (engine)', (earlier, outOfOrderness, watermark) => {
      const newest = earlier.reduce<number | null>((max, t) => (max === null || t > max ? t : max), null);
      expect(partitionWatermark(newest, outOfOrderness)).toBe(watermark);
    });
    it.each(WATERMARKS)('after %j with out-of-orderness %d is %d (oracle)', (earlier, outOfOrderness, watermark) => {
      expect(watermarkAfter(earlier, outOfOrderness)).toBe(watermark);
    });
  });

  describe('whether two sessions merge', () => {
    it.each(SESSION_PAIRS)('%j and %j merge: %s (engine)', (a, b, merge) => {
      expect(sessionsMerge({ start: a[0], end: a[1] }, { start: b[0], end: b[1] })).toBe(merge);
    });
    it.each(SESSION_PAIRS)('%j and %j merge: %s (oracle)', (a, b, merge) => {
      expect(sessionsJoin({ start: a[0], end: a[1] }, { start: b[0], end: b[1] })).toBe(merge);
    });
  });

  describe('the sessions a key ends with', () => {
    // Out-of-orderness far beyond the times, so that no record here is late.
    const noneLate = { window: SESSION_700, lateness: 0, outOfOrderness: 1_000_000, earlier: [] };
    it.each(MERGED_SESSIONS)('%s: engine', (_what, times, sessions) => {
      expect(engineTakes(noneLate, times, 'chunk')).toEqual(sessions);
    });
    it.each(MERGED_SESSIONS)('%s: oracle', (_what, times, sessions) => {
      const replay = new SessionReplay<number>(700, 0);
      for (const t of times) replay.offer(t, t, watermarkAfter([], 1_000_000));
      expect(pairs([...replay.sessions].sort((a, b) => a.start - b.start))).toEqual(sessions);
    });
  });

  describe("sessions as Flink's merging windows, one key's records in arrival order", () => {
    it.each(FLINK_SESSIONS)('%s: engine', (_what, spec, times, sessions) => {
      expect(engineSessions(spec, times)).toEqual(sessions);
    });
    it.each(FLINK_SESSIONS)('%s: oracle', (_what, spec, times, sessions) => {
      const replay = new SessionReplay<number>(spec.gap, spec.lateness);
      times.forEach((t, i) => replay.offer(t, t, watermarkAfter(times.slice(0, i), spec.outOfOrderness)));
      const taken = [...replay.sessions].sort((a, b) => a.start - b.start);
      expect(taken.map((w): [number, number, number] => [w.start, w.end, w.records.length])).toEqual(sessions);
    });
  });

  describe('the windows that take a record, after earlier records of its partition and what the closer closed', () => {
    it.each(RECORDS)('$what: engine, earlier records in the same chunk', (c) => {
      expect(engineTakes(c, [c.t], 'chunk')).toEqual(c.taken);
    });
    it.each(RECORDS)('$what: engine, earlier records through the checkpoint', (c) => {
      expect(engineTakes(c, [c.t], 'checkpoint')).toEqual(c.taken);
    });
    const fixed = RECORDS.filter((c) => c.window.type !== 'session');
    it.each(fixed)('$what: engine panes, earlier records in the same chunk', (c) => {
      expect(engineTakes(c, [c.t], 'chunk', 'panes')).toEqual(c.taken);
    });
    it.each(fixed)('$what: engine panes, earlier records through the checkpoint', (c) => {
      expect(engineTakes(c, [c.t], 'checkpoint', 'panes')).toEqual(c.taken);
    });
    it.each(RECORDS)('$what: oracle', (c) => {
      expect(oracleTakes(c)).toEqual(c.taken);
    });
  });
});
