/**
 * The oracle's own reading of the event-time rules, written from the
 * documented semantics rather than from the engine's code, so that a
 * mistake in the engine's windows, watermark or lateness cannot hide by
 * being made on both sides. Nothing here imports the engine. Where the
 * engine computes something one way, this file deliberately takes another
 * route to the same documented answer:
 *
 * - windows are found by stepping back from the newest start at or before
 *   the event time, not forward from the oldest;
 * - "nothing seen yet" is -Infinity throughout, not a null to special-case;
 * - a session record's lateness is derived from the fixed-window rule, as
 *   the lateness of the session that would just touch it;
 * - sessions are built as the connected runs of all on-time records, not
 *   by merging each arrival into what is open.
 *
 * The rules (README, "Windows, in event time" and "Late records"):
 * - a window is [start, end); its last timestamp is end - 1;
 * - a partition's watermark before a record is the newest event time among
 *   that partition's earlier records, less the out-of-orderness;
 * - a window takes records until the watermark reaches its last timestamp
 *   plus the allowed lateness, and never once the window closer closed it;
 * - a record is late for a fixed view when every window it belongs to is;
 * - sessions merge when they overlap or touch.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

/** A fixed window layout: windows of `sizeMs` starting every `slideMs` from the epoch (tumbling: slide = size). */
export interface FixedLayout {
  readonly sizeMs: number;
  readonly slideMs: number;
}

/** What no window closer has closed yet: every window ends after it. */
export const NOTHING_CLOSED = Number.NEGATIVE_INFINITY;

/**
 * A partition's watermark given the event times it saw before the record;
 * -Infinity before any, as Math.max() of nothing is. Flink's bounded
 * out-of-orderness: a record `outOfOrdernessMs` behind the newest is still
 * on time, so the watermark (the newest time all records are in for) is one
 * millisecond before that.
 */
export function watermarkAfter(earlierEventTimes: readonly number[], outOfOrdernessMs: number): number {
  return Math.max(...earlierEventTimes) - outOfOrdernessMs - 1;
}

/** The windows holding `t`, oldest first: every layout start in (t - size, t]. */
export function windowsContaining(t: number, layout: FixedLayout): Span[] {
  // How far t is past the newest window start at or before it; JavaScript's % keeps the sign of t, so wrap it.
  const pastNewestStart = ((t % layout.slideMs) + layout.slideMs) % layout.slideMs;
  const spans: Span[] = [];
  for (let start = t - pastNewestStart; start > t - layout.sizeMs; start -= layout.slideMs) {
    spans.unshift({ start, end: start + layout.sizeMs });
  }
  return spans;
}

/**
 * Whether a window ending at `end` still takes records: the watermark has
 * not yet gone `allowedLatenessMs` past its last timestamp, and the closer
 * has not closed it (`closedThrough` is the newest end it closed).
 */
export function windowTakes(end: number, allowedLatenessMs: number, watermark: number, closedThrough: number): boolean {
  if (end <= closedThrough) return false;
  const watermarkPastLastTimestamp = watermark - (end - 1);
  return watermarkPastLastTimestamp < allowedLatenessMs;
}

/** The windows of a fixed view that take a record at `t`; none means the record is late for the view. */
export function windowsTaking(t: number, layout: FixedLayout, allowedLatenessMs: number, watermark: number, closedThrough: number): Span[] {
  return windowsContaining(t, layout).filter((w) => windowTakes(w.end, allowedLatenessMs, watermark, closedThrough));
}

/**
 * Whether a session view takes a record at `t`. The oldest session the
 * record could still join is one ending exactly at `t` (touching sessions
 * merge), so the record is on time exactly while that session would be:
 * the fixed-window rule applied to a window ending at `t`.
 */
export function sessionTakes(t: number, allowedLatenessMs: number, watermark: number, closedThrough: number): boolean {
  return windowTakes(t, allowedLatenessMs, watermark, closedThrough);
}

/**
 * The newest window end the window closer can have closed when a record is
 * decided. The closer closes at the processor's watermark, which is never
 * ahead of this partition's: the commit that decides the record is
 * conditioned on this partition's checkpoint, which still sits before it.
 * So whatever is closed has end - 1 + lateness <= the partition's watermark.
 */
export function closedThroughAtMost(watermark: number, allowedLatenessMs: number): number {
  return watermark + 1 - allowedLatenessMs;
}

/** Whether two sessions merge: the later-starting one starts no later than the other ends (overlap or touch). */
export function sessionsJoin(a: Span, b: Span): boolean {
  const [earlier, later] = a.start <= b.start ? [a, b] : [b, a];
  return later.start <= earlier.end;
}

/**
 * The sessions a set of on-time records forms: each record opens
 * [t, t + gap), and sessions that overlap or touch are one. Arrival order
 * does not matter, so the records are simply swept in event-time order.
 */
export function sessionsOf<T extends { readonly t: number }>(records: readonly T[], gapMs: number): Array<Span & { readonly records: T[] }> {
  const sessions: Array<{ start: number; end: number; records: T[] }> = [];
  for (const record of [...records].sort((a, b) => a.t - b.t)) {
    const own: Span = { start: record.t, end: record.t + gapMs };
    const last = sessions.at(-1);
    if (last !== undefined && sessionsJoin(last, own)) {
      last.end = Math.max(last.end, own.end);
      last.records.push(record);
    } else {
      sessions.push({ ...own, records: [record] });
    }
  }
  return sessions;
}
