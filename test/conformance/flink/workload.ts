/**
 * The workloads the Flink conformance suite runs on both sides, and a seeded
 * generator of them. A workload is one keyed window aggregation (sum and
 * count of `value`) over a few Kafka partitions: its records in one global
 * arrival order, each partition's records in offset order within it.
 *
 * The generator aims at the places where event-time rules go wrong by one:
 * records whose window closes exactly at, one before or one after the
 * watermark (their own partition's, or the slowest partition's, which is
 * Flink's), records at the watermark itself, sessions that touch exactly,
 * duplicate event times, and partitions that run at different speeds so that
 * the slowest partition's watermark trails the others'.
 */

import { seededRandom } from '../../../scripts/reference/seeded-random.js';

export type WindowShape =
  | { readonly type: 'tumbling'; readonly sizeMs: number }
  | { readonly type: 'hopping'; readonly sizeMs: number; readonly slideMs: number }
  | { readonly type: 'session'; readonly gapMs: number };

export interface WorkloadRecord {
  /** Unique within the workload, e.g. `r7`. */
  readonly id: string;
  readonly partition: number;
  readonly key: string;
  /** Epoch millis, never negative (the reference moves workloads apart in time by adding to it). */
  readonly eventTime: number;
  readonly value: number;
}

export interface Workload {
  readonly id: string;
  readonly window: WindowShape;
  readonly allowedLatenessMs: number;
  readonly outOfOrdernessMs: number;
  /** Declared partitions, numbered from 0. */
  readonly partitions: number;
  /** In global arrival order. */
  readonly records: readonly WorkloadRecord[];
}

/** One final window result: the last firing of a window that was not merged into a later session. */
export interface FinalWindow {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly sum: number;
  readonly count: number;
}

/** What one side computed for a workload. */
export interface WindowResults {
  readonly windows: readonly FinalWindow[];
  /** Ids of the records side-output as late. */
  readonly late: readonly string[];
}

export const windowId = (w: Pick<FinalWindow, 'key' | 'start' | 'end'>): string => `${w.key}[${w.start},${w.end})`;


type Random = () => number;
const pick = <T>(rng: Random, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
const between = (rng: Random, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));

const TUMBLING_SIZES = [200, 500, 1000, 3000] as const;
const HOPPING_SIZES = [
  [1000, 500],
  [3000, 1000],
  [600, 200],
  [2000, 250],
] as const;
const SESSION_GAPS = [100, 300, 700, 1500] as const;
const OUT_OF_ORDERNESS = [0, 1, 100, 300, 800] as const;
/** Zero twice as often: the commonest setting, and the one where an off-by-one shows first. */
const ALLOWED_LATENESS = [0, 0, 100, 400, 1500] as const;
const KEYS = ['a', 'b', 'c'] as const;

/** The first event time whose newest window ends at `end` (the next `slide` event times share that window). */
function firstTimeWithNewestWindowEnding(window: Exclude<WindowShape, { type: 'session' }>, end: number): number {
  return end - window.sizeMs;
}

function shapeOf(rng: Random, kind: WindowShape['type']): WindowShape {
  if (kind === 'tumbling') return { type: 'tumbling', sizeMs: pick(rng, TUMBLING_SIZES) };
  if (kind === 'hopping') {
    const [sizeMs, slideMs] = pick(rng, HOPPING_SIZES);
    return { type: 'hopping', sizeMs, slideMs };
  }
  return { type: 'session', gapMs: pick(rng, SESSION_GAPS) };
}

/**
 * One workload. Each partition has a clock that moves forward at its own
 * pace; most records sit a little behind their partition's clock (within
 * the out-of-orderness), and the rest are the edge cases above. The
 * watermarks the generator aims at are Flink's (newest − outOfOrderness − 1):
 * edges meant for an engine one millisecond off land one millisecond from
 * them anyway, since each edge is drawn at −1, 0 and +1.
 */
export function generateWorkload(id: string, seed: number, kind: WindowShape['type']): Workload {
  const rng = seededRandom(seed);
  const window = shapeOf(rng, kind);
  const outOfOrdernessMs = pick(rng, OUT_OF_ORDERNESS);
  const allowedLatenessMs = pick(rng, ALLOWED_LATENESS);
  const partitions = rng() < 0.4 ? 1 : between(rng, 2, 4);
  const keys = KEYS.slice(0, between(rng, 1, KEYS.length));
  const size = rng() < 0.3 ? between(rng, 3, 10) : between(rng, 12, 50);
  const slide = window.type === 'tumbling' ? window.sizeMs : window.type === 'hopping' ? window.slideMs : window.gapMs;
  const span = window.type === 'session' ? window.gapMs : window.sizeMs;

  // Partition speeds differ, so the slowest partition's watermark (Flink's) trails the others'.
  const clock = Array.from({ length: partitions }, () => 5_000 + between(rng, 0, 300));
  const pace = Array.from({ length: partitions }, () => between(rng, 20, 300));
  const newest = Array.from({ length: partitions }, () => Number.NEGATIVE_INFINITY);
  const weight = Array.from({ length: partitions }, () => 0.3 + rng());
  const records: WorkloadRecord[] = [];
  const flinkWatermark = (p: number): number => (newest[p] ?? Number.NEGATIVE_INFINITY) - outOfOrdernessMs - 1;
  const slowestWatermark = (): number => Math.min(...newest.map((_, p) => flinkWatermark(p)));

  const add = (partition: number, eventTime: number): void => {
    const t = Math.max(0, Math.round(eventTime));
    records.push({ id: `r${records.length}`, partition, key: pick(rng, keys), eventTime: t, value: between(rng, -3, 20) });
    newest[partition] = Math.max(newest[partition] ?? t, t);
    clock[partition] = Math.max(clock[partition] ?? t, t);
  };
  const choosePartition = (): number => {
    const total = weight.reduce((a, b) => a + b, 0);
    let r = rng() * total;
    for (let p = 0; p < partitions; p += 1) {
      r -= weight[p] ?? 0;
      if (r < 0) return p;
    }
    return partitions - 1;
  };

  while (records.length < size) {
    const p = choosePartition();
    clock[p] = (clock[p] ?? 0) + between(rng, 0, pace[p] ?? 100);
    const now = clock[p] ?? 0;
    const draw = rng();
    const edge = between(rng, -1, 1);
    if (draw < 0.5) {
      // In order, or behind by no more than the out-of-orderness.
      add(p, now - between(rng, 0, outOfOrdernessMs));
    } else if (draw < 0.6) {
      // Late by any amount up to a few windows, lateness included.
      add(p, now - outOfOrdernessMs - between(rng, 0, allowedLatenessMs + 2 * span));
    } else if (draw < 0.68 && records.length > 0) {
      // The event time of an earlier record (any partition, any key).
      add(p, pick(rng, records).eventTime);
    } else if (draw < 0.76) {
      // At the watermark itself, or a millisecond either side: the partition's own, or the slowest one's.
      const watermark = rng() < 0.5 || partitions === 1 ? flinkWatermark(p) : slowestWatermark();
      add(p, Number.isFinite(watermark) ? watermark + edge : now);
    } else if (draw < 0.84 && window.type === 'session') {
      // Exactly touching (or a millisecond short of or past) an earlier record's own session.
      const earlier = records.length > 0 ? pick(rng, records) : undefined;
      add(p, earlier === undefined ? now : rng() < 0.5 ? earlier.eventTime + window.gapMs + edge : earlier.eventTime - window.gapMs + edge);
    } else if (draw < 0.84) {
      // A record at a window boundary: the first or last millisecond of a window, or one past.
      const boundary = Math.floor(now / slide) * slide;
      add(p, boundary + edge);
    } else {
      // A pusher and a straggler: the pusher moves partition p's watermark to one millisecond before, at or
      // after the point where a window (or a lone session) holding the straggler stops taking records.
      // The straggler comes from p itself (its own watermark decides, in both engines) or, with several
      // partitions, from another one (Flink judges it by the slowest, ours by its own partition).
      const straggler = partitions > 1 && rng() < 0.5 ? (p + between(rng, 1, partitions - 1)) % partitions : p;
      const lateness = allowedLatenessMs;
      if (window.type === 'session') {
        // A lone session [t, t + gap) is late once watermark >= t + gap − 1 + lateness.
        const target = Math.max(now, newest[p] ?? now) - outOfOrdernessMs - 1;
        add(p, target + outOfOrdernessMs + 1);
        add(straggler, target - window.gapMs + 1 - lateness - edge);
      } else {
        // The newest window holding the straggler ends at `end`; it is late once watermark >= end − 1 + lateness.
        // Far enough ahead that the pusher is the partition's newest record even at edge −1.
        const end = Math.ceil((Math.max(now, newest[p] ?? now) - outOfOrdernessMs - lateness + 2) / slide) * slide;
        add(p, end - 1 + lateness + edge + outOfOrdernessMs + 1);
        add(straggler, firstTimeWithNewestWindowEnding(window, end) + (rng() < 0.5 ? 0 : slide - 1));
      }
    }
  }
  return { id, window, allowedLatenessMs, outOfOrdernessMs, partitions, records };
}

/** `count` workloads, the three window types in turn, each from its own seed derived from `seed`. */
export function generateWorkloads(seed: number, count: number): Workload[] {
  const kinds = ['tumbling', 'hopping', 'session'] as const;
  return Array.from({ length: count }, (_, i) => generateWorkload(`w${i}`, (seed * 1_000_003 + i * 7_919) >>> 0, kinds[i % kinds.length] ?? 'tumbling'));
}
