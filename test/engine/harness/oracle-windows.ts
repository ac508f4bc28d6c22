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
 * - a session view is replayed as Flink's session operator would run it,
 *   one key's records in the order they came, keeping every session and
 *   asking at each record which of them have fired, where the engine keeps
 *   open sessions and drops what its closer closed.
 *
 * The rules (README, "Windows, in event time" and "Late records"):
 * - a window is [start, end); its last timestamp is end - 1;
 * - a partition's watermark before a record is the newest event time among
 *   that partition's earlier records, less the out-of-orderness, less 1;
 * - a window takes records until the watermark reaches its last timestamp
 *   plus the allowed lateness, and never once the window closer closed it;
 * - a record is late for a fixed view when every window it belongs to is;
 * - sessions merge when they overlap or touch; a record opens [t, t + gap)
 *   and joins the sessions it would merge with that have not fired (their
 *   last timestamp plus the allowed lateness is still ahead of the
 *   watermark), and it is late when the session it would end in has fired.
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
 * The sessions of one key as Flink's session operator forms them from
 * records offered in arrival order. Sessions that fired stay in the list
 * (they are results) but no longer take records.
 */
export class SessionReplay<T> {
  public readonly sessions: Array<{ start: number; end: number; records: T[] }> = [];

  public constructor(
    private readonly gapMs: number,
    private readonly allowedLatenessMs: number,
  ) {}

  /**
   * Whether a record at `t` is on time at `watermark`; when `keep`, an
   * on-time record is added, merging the sessions it joins.
   */
  public offer(t: number, record: T, watermark: number, keep = true): boolean {
    const fired = (span: Span): boolean => !windowTakes(span.end, this.allowedLatenessMs, watermark, NOTHING_CLOSED);
    let span: Span = { start: t, end: t + this.gapMs };
    const joined = new Set<{ start: number; end: number; records: T[] }>();
    // Grow the span over every unfired session it reaches, until it reaches no more.
    for (let grew = true; grew; ) {
      grew = false;
      for (const session of this.sessions) {
        if (joined.has(session) || fired(session) || !sessionsJoin(session, span)) continue;
        joined.add(session);
        span = { start: Math.min(span.start, session.start), end: Math.max(span.end, session.end) };
        grew = true;
      }
    }
    if (fired(span)) return false;
    if (keep) {
      const records = [...joined].flatMap((session) => session.records);
      const kept = this.sessions.filter((session) => !joined.has(session));
      this.sessions.splice(0, this.sessions.length, ...kept, { ...span, records: [...records, record] });
    }
    return true;
  }
}

/**
 * Whether the window closer closed, without this partition, something a
 * session record at `t` would touch: it closed a session ending at
 * `closedThrough` (at or after `t`) that this partition's watermark has not
 * passed, which happens only when the partition sat idle behind the
 * processor. Otherwise what the closer closed has fired here too.
 */
export function sessionClosedWithout(t: number, allowedLatenessMs: number, watermark: number, closedThrough: number): boolean {
  return t <= closedThrough && windowTakes(closedThrough, allowedLatenessMs, watermark, NOTHING_CLOSED);
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
