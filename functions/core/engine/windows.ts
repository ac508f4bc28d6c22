import type { WindowSpec } from './definition.js';

/**
 * Event-time windows, with Flink's conventions: a window is [start, end),
 * its last timestamp is end - 1, and it closes once the watermark reaches
 * end - 1 + allowed lateness. A record that arrives after that is late.
 */

export interface WindowBounds {
  readonly start: number;
  readonly end: number;
}

/** The fixed windows (tumbling or hopping) an event time belongs to, oldest first. */
export function fixedWindowsFor(spec: Exclude<WindowSpec, { type: 'session' }>, eventTime: number): WindowBounds[] {
  const slide = spec.type === 'tumbling' ? spec.sizeMs : spec.slideMs;
  const lastStart = Math.floor(eventTime / slide) * slide;
  const windows: WindowBounds[] = [];
  for (let start = lastStart - spec.sizeMs + slide; start <= lastStart; start += slide) {
    windows.push({ start, end: start + spec.sizeMs });
  }
  return windows;
}

/** The watermark at which a window ending at `end` closes. */
export function closesAt(end: number, allowedLatenessMs: number): number {
  return end - 1 + allowedLatenessMs;
}

/** Whether a fixed window no longer takes records at this watermark. */
export function isWindowLate(end: number, allowedLatenessMs: number, watermark: number): boolean {
  return closesAt(end, allowedLatenessMs) <= watermark;
}

/**
 * The session a record opening `fresh` ([eventTime, eventTime + gap))
 * would end up in, and the sessions it would absorb: Flink's rule for
 * merging windows. It merges with every session it overlaps or touches
 * that is still live at the watermark (not yet past end - 1 + allowed
 * lateness), and with whatever those touch in turn. A session past that
 * point has fired in Flink and is gone, so a record touching it starts a
 * session of its own. The record is late when the merged session is.
 */
export function sessionJoining<T extends WindowBounds>(
  fresh: WindowBounds,
  sessions: readonly T[],
  allowedLatenessMs: number,
  watermark: number,
): { readonly session: WindowBounds; readonly absorbs: readonly T[]; readonly late: boolean } {
  let session = fresh;
  let rest = sessions.filter((s) => !isWindowLate(s.end, allowedLatenessMs, watermark));
  const absorbs: T[] = [];
  for (;;) {
    const touching = rest.filter((s) => sessionsMerge(s, session));
    if (touching.length === 0) break;
    absorbs.push(...touching);
    rest = rest.filter((s) => !touching.includes(s));
    session = { start: Math.min(session.start, ...touching.map((s) => s.start)), end: Math.max(session.end, ...touching.map((s) => s.end)) };
  }
  return { session, absorbs, late: isWindowLate(session.end, allowedLatenessMs, watermark) };
}

/** Whether two sessions merge: they overlap or touch, as in Flink. */
export function sessionsMerge(a: WindowBounds, b: WindowBounds): boolean {
  return a.start <= b.end && b.start <= a.end;
}
