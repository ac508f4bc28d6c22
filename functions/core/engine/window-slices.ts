import type { WindowPaneBody } from '../state/state-items.js';
import type { Aggregate, WindowSpec, WindowView } from './definition.js';
import { closesAt, type WindowBounds } from './windows.js';

/**
 * Slices of a fixed-window view, Flink's local/global aggregation over
 * event time. Each source partition keeps its own partial aggregate per key
 * and slice (a pane), so no two partitions ever write the same item; a
 * window's result is the merge of its slices' panes from every partition.
 * A tumbling window is one slice; a hopping window of size n × slide spans
 * n slices, so a record is added once, not n times.
 */

export type FixedWindowSpec = Exclude<WindowSpec, { type: 'session' }>;

/** A window view kept as per-partition panes: fixed windows whose aggregate can merge partials. */
export interface SlicedWindowView<TValue = unknown, TAcc = unknown> extends WindowView<TValue, TAcc> {
  readonly window: FixedWindowSpec;
  readonly aggregate: Aggregate<TValue, TAcc> & { merge(a: TAcc, b: TAcc): TAcc };
}

/**
 * Whether a view is kept in panes. Session windows and aggregates without
 * `merge` cannot be: their partials could not be combined, so they keep one
 * item per key, written by every partition that sees the key, in a
 * transaction with the partition's checkpoint.
 */
export function isSliced<TValue, TAcc>(view: WindowView<TValue, TAcc>): view is SlicedWindowView<TValue, TAcc> {
  return view.window.type !== 'session' && view.aggregate.merge !== undefined;
}

export function sliceWidth(spec: FixedWindowSpec): number {
  return spec.type === 'tumbling' ? spec.sizeMs : spec.slideMs;
}

/** The slice an event time falls in. */
export function sliceOf(spec: FixedWindowSpec, eventTime: number): WindowBounds {
  const width = sliceWidth(spec);
  const start = Math.floor(eventTime / width) * width;
  return { start, end: start + width };
}

/** The windows that span a slice, oldest first. */
export function windowsOfSlice(spec: FixedWindowSpec, sliceStart: number): WindowBounds[] {
  const width = sliceWidth(spec);
  const windows: WindowBounds[] = [];
  for (let start = sliceStart - spec.sizeMs + width; start <= sliceStart; start += width) windows.push({ start, end: start + spec.sizeMs });
  return windows;
}

/** The slice starts a window spans. */
export function slicesOfWindow(spec: FixedWindowSpec, window: WindowBounds): number[] {
  const width = sliceWidth(spec);
  const starts: number[] = [];
  for (let start = window.start; start < window.end; start += width) starts.push(start);
  return starts;
}

/** The watermark at which the first window spanning a slice closes: from then on its panes are due for closing. */
export function sliceDueAt(view: SlicedWindowView, sliceStart: number): number {
  return closesAt(sliceStart + sliceWidth(view.window), view.allowedLatenessMs ?? 0);
}

/** The watermark at which the last window spanning a slice closes: after that its panes serve nothing. */
export function sliceRetiresAt(view: SlicedWindowView, sliceStart: number): number {
  return closesAt(sliceStart + view.window.sizeMs, view.allowedLatenessMs ?? 0);
}

/** A pane as stored, without the TTL attribute a store may hand back in the body: whether it expires is each write's to say. */
export function withoutTtl(pane: WindowPaneBody): WindowPaneBody {
  const { expiresAt: _expiresAt, ...rest } = pane as WindowPaneBody & { expiresAt?: number };
  return rest;
}

/** Panes in a fixed order (slice, then partition, then part), so a merge that is not commutative still gives one answer. */
export function byPlace(a: WindowPaneBody, b: WindowPaneBody): number {
  return a.start - b.start || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || (a.part ?? 0) - (b.part ?? 0));
}

/** The latest seal among a share's parts (absent ones included), or undefined when none is sealed. */
export function latestSeal(parts: ReadonlyArray<WindowPaneBody | null>): number | undefined {
  const seals = parts.flatMap((pane) => (pane?.sealedThrough === undefined ? [] : [pane.sealedThrough]));
  return seals.length === 0 ? undefined : Math.max(...seals);
}
