import type { KeyWindowsBody, OpenWindow } from '../state/state-items.js';
import { itemIds } from '../state/table-layout.js';
import type { Aggregate, WindowSpec, WindowView } from './definition.js';
import { toJson } from './json-value.js';
import { contextOf, type PreparedRecord } from './prepared-record.js';
import type { ViewPlan } from './view-plan.js';
import { closesAt, fixedWindowsFor, isWindowLate, sessionJoining } from './windows.js';
import type { Working, WorkingSet } from './working-set.js';

/** A record in a view kept per key: the windows of the key it is on time for, and adding it to them. */
export function planKeyWindows(view: WindowView<unknown, unknown>, key: string, prepared: PreparedRecord, watermark: number, working: WorkingSet): ViewPlan {
  const entry = working.touch(itemIds.keyWindows(view.name, key));
  const body: KeyWindowsBody = (entry.body as KeyWindowsBody | null) ?? { kind: 'key-windows', view: view.name, key, windows: [], closedThrough: null };
  return view.window.type === 'session'
    ? planSession(view, { entry, body }, prepared, watermark, view.window.gapMs)
    : planFixedWindows(view, view.window, { entry, body }, prepared, watermark);
}

type FixedWindowSpec = Exclude<WindowSpec, { readonly type: 'session' }>;

interface KeyItem {
  readonly entry: Working;
  /** The key's windows as the plan found them. */
  readonly body: KeyWindowsBody;
}

function planSession(view: WindowView<unknown, unknown>, { entry, body }: KeyItem, prepared: PreparedRecord, watermark: number, gapMs: number): ViewPlan {
  const lateness = view.allowedLatenessMs ?? 0;
  const eventTime = prepared.eventTime ?? 0;
  const own = { start: eventTime, end: eventTime + gapMs };
  const closedThrough = body.closedThrough;
  // The closer closes a session once the processor's watermark passes it, and that is never ahead of this
  // partition's, so what it closed is no longer live here. Unless this partition sat idle behind it: then a
  // record at or before what was closed without it is late, as for the panes the closer seals. The key keeps
  // only the newest end closed, not which sessions, so that covers records that would touch none of them too,
  // and no closed session can ever be reopened and its final result written twice.
  const closedWithoutUs = closedThrough !== null && own.start <= closedThrough && !isWindowLate(closedThrough, lateness, watermark);
  const joining = sessionJoining(own, body.windows, lateness, watermark);
  return {
    view: view.name,
    kind: 'window',
    onTime: !(joining.late || closedWithoutUs),
    apply: () => {
      const { aggregate } = view;
      const current = (entry.body as KeyWindowsBody | null) ?? body;
      const fresh: OpenWindow = { ...own, acc: toJson(aggregate.add(aggregate.initial(), prepared.record.value, contextOf(prepared.record))), count: 1 };
      const { absorbs } = current === body ? joining : sessionJoining(own, current.windows, lateness, watermark);
      const merged = [...absorbs, fresh].sort((a, b) => a.start - b.start || a.end - b.end).reduce((a, w) => mergeSessions(aggregate, a, w));
      keepWindows(entry, current, [...current.windows.filter((w) => !absorbs.includes(w)), merged], lateness);
    },
  };
}

function mergeSessions(aggregate: Aggregate<unknown, unknown>, a: OpenWindow, b: OpenWindow): OpenWindow {
  // A session view's definition is refused without merge.
  const acc = (aggregate as Required<Aggregate<unknown, unknown>>).merge(a.acc, b.acc);
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end), acc: toJson(acc), count: a.count + b.count };
}

function planFixedWindows(view: WindowView<unknown, unknown>, window: FixedWindowSpec, { entry, body }: KeyItem, prepared: PreparedRecord, watermark: number): ViewPlan {
  const lateness = view.allowedLatenessMs ?? 0;
  const taking = fixedWindowsFor(window, prepared.eventTime ?? 0).filter(
    (bounds) => !(isWindowLate(bounds.end, lateness, watermark) || (body.closedThrough !== null && bounds.end <= body.closedThrough)),
  );
  return {
    view: view.name,
    kind: 'window',
    onTime: taking.length > 0,
    apply: () => {
      const { aggregate } = view;
      const context = contextOf(prepared.record);
      const current = (entry.body as KeyWindowsBody | null) ?? body;
      const windows = [...current.windows];
      for (const bounds of taking) {
        const at = windows.findIndex((w) => w.start === bounds.start);
        const existing: OpenWindow = at >= 0 ? (windows[at] as OpenWindow) : { ...bounds, acc: toJson(aggregate.initial()), count: 0 };
        const next: OpenWindow = { ...existing, acc: toJson(aggregate.add(existing.acc, prepared.record.value, context)), count: existing.count + 1 };
        if (at >= 0) windows[at] = next;
        else windows.push(next);
      }
      keepWindows(entry, current, windows, lateness);
    },
  };
}

function keepWindows(entry: Working, body: KeyWindowsBody, windows: OpenWindow[], lateness: number): void {
  windows.sort((a, b) => a.start - b.start);
  entry.body = { ...body, windows };
  entry.closesAt = Math.min(...windows.map((w) => closesAt(w.end, lateness)));
  entry.dirty = true;
}
