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
 * Whether a record at `eventTime` is too late for a session view. Sessions
 * merge when they overlap or touch (Flink's rule), so a record can join any
 * open session ending at or after it, and must count as late as soon as
 * such a session may have closed: when the watermark has reached
 * eventTime - 1 + allowed lateness. This makes lateness depend only on the
 * record's partition, never on when another invocation closed a session,
 * which is what keeps results independent of batch boundaries.
 */
export function isSessionRecordLate(eventTime: number, allowedLatenessMs: number, watermark: number): boolean {
  return eventTime - 1 + allowedLatenessMs <= watermark;
}

/** Whether two sessions merge: they overlap or touch, as in Flink. */
export function sessionsMerge(a: WindowBounds, b: WindowBounds): boolean {
  return a.start <= b.end && b.start <= a.end;
}
