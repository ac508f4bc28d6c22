import type { PanePartial, WindowPaneBody } from '../state/state-items.js';
import { itemIds, type ItemId } from '../state/table-layout.js';
import { toJson } from './json-value.js';
import { contextOf, type PreparedRecord } from './prepared-record.js';
import type { ViewPlan } from './view-plan.js';
import { latestSeal, sliceDueAt, sliceOf, sliceRetiresAt, windowsOfSlice, type SlicedWindowView } from './window-slices.js';
import { isWindowLate } from './windows.js';
import type { Working, WorkingSet } from './working-set.js';

/**
 * Size at which a pane part is full and the partition's share of the slice
 * goes on in a new part. A chunk rewrites only the parts it adds to, so
 * this bounds what one pane write costs (DynamoDB bills a write by the whole
 * item's size, 1 WCU per KB) however many records the slice holds, and it
 * keeps every part far below the 400 KB item limit.
 */
export const PANE_PART_BYTES = 32_000;

type MutablePane = WindowPaneBody & { keys: Record<string, PanePartial[]>; ids: Record<string, number>; full?: true };

/**
 * A record in a sliced view: the windows spanning its slice that it is on
 * time for, and adding it to its pane under the earliest of them. Its pane
 * may already hold it (written before a crash or a lost condition); then
 * it was judged when it was added, and a seal set since then does not
 * apply to it.
 */
export function planPane(view: SlicedWindowView, key: string, prepared: PreparedRecord, judging: { watermark: number; partBytes: number }, working: WorkingSet): ViewPlan {
  const { record } = prepared;
  const slice = sliceOf(view.window, prepared.eventTime ?? 0);
  const parts = shareParts(view, slice.start, record, working);
  const stored = parts.map((p) => p.body as WindowPaneBody | null);
  // `applied` stays as read while folding; the write sets it to the chunk's last offset.
  const alreadyApplied = stored.some((body) => body !== null && body.applied >= record.offset);
  const sealedThrough = alreadyApplied ? undefined : latestSeal(stored);
  const lateness = view.allowedLatenessMs ?? 0;
  const from = windowsOfSlice(view.window, slice.start).find(
    (w) => !isWindowLate(w.end, lateness, judging.watermark) && (sealedThrough === undefined || w.end > sealedThrough),
  );
  const plan: ViewPlan = {
    view: view.name,
    kind: 'window',
    onTime: from !== undefined,
    parts,
    retiresAt: sliceRetiresAt(view, slice.start),
    apply: () => {
      if (alreadyApplied || from === undefined) return;
      const entry = partToAddTo(view, slice, parts, record, working);
      addToPart(entry, { view, key, windowEnd: from.end, prepared, partBytes: judging.partBytes });
      entry.closesAt = sliceDueAt(view, slice.start);
      plan.target = entry;
    },
  };
  return plan;
}

/** Remembers an event id in the pane part that took its record, so a repeat is found there. */
export function rememberEventId(part: Working, eventId: string, offset: number): void {
  (part.body as MutablePane).ids[eventId] = offset;
  part.bytes = (part.bytes ?? 0) + eventId.length + String(offset).length + 4;
}

/**
 * Folds a record into its key's partial in a pane part, keeping the part's
 * estimated size, and marks the part full once it reaches `partBytes`.
 */
function addToPart(entry: Working, adding: { view: SlicedWindowView; key: string; windowEnd: number; prepared: PreparedRecord; partBytes: number }): void {
  const { view, key, windowEnd, prepared } = adding;
  // The working copy is this plan's own, so it is changed in place: copying a pane's keys or ids
  // per record would make a chunk quadratic in the pane's size.
  const body = entry.body as MutablePane;
  const partials = (body.keys[key] ??= []);
  const at = partials.findIndex(([fromEnd]) => fromEnd === windowEnd);
  const [, acc, count] = at >= 0 ? (partials[at] as PanePartial) : [windowEnd, toJson(view.aggregate.initial()), 0];
  const next: PanePartial = [windowEnd, toJson(view.aggregate.add(acc, prepared.record.value, contextOf(prepared.record))), count + 1];
  // What the partial took before: a new key also takes its name and punctuation.
  const before = at >= 0 ? JSON.stringify(partials[at]).length : key.length + 8;
  if (at >= 0) partials[at] = next;
  else {
    partials.push(next);
    partials.sort((a, b) => a[0] - b[0]);
  }
  entry.bytes = (entry.bytes ?? 0) + JSON.stringify(next).length + (at >= 0 ? -before : before);
  if (entry.bytes >= adding.partBytes && body.full !== true) {
    body.full = true;
    entry.filledHere = true;
  }
  entry.lastOffset = prepared.record.offset;
  entry.dirty = true;
}

/**
 * The parts of a partition's share of a slice, oldest first, as far as
 * this plan knows them: every full part, then the part records go to next
 * (absent while the share or its next part is not written yet).
 */
function shareParts(view: SlicedWindowView, sliceStart: number, record: PreparedRecord['record'], working: WorkingSet): Working[] {
  const parts: Working[] = [];
  for (let part = 0; ; part += 1) {
    // A part this plan filled has no part after it: only a full part gets one, from its partition or, sealed,
    // from the closer. Were the part it filled stale, its write would lose its condition before the next one's.
    const entry = working.touch(paneId(view, sliceStart, record, part), { knownAbsent: parts.at(-1)?.filledHere === true });
    if (part > 0 && entry.body === null) return parts;
    parts.push(entry);
    if ((entry.body as WindowPaneBody | null)?.full !== true) return parts;
  }
}

/**
 * The part a record is added to: the share's newest, started when absent
 * or when the newest is full, and this plan's own copy. `parts` are the
 * share's parts as the record's plan found them, which nothing changed
 * since: its plan is made after the chunk's earlier records were applied.
 */
function partToAddTo(view: SlicedWindowView, slice: { start: number; end: number }, parts: readonly Working[], record: PreparedRecord['record'], working: WorkingSet): Working {
  let entry = parts.at(-1) as Working;
  let part = parts.length - 1;
  if ((entry.body as WindowPaneBody | null)?.full === true) {
    part += 1;
    // shareParts touched it already, finding it absent.
    entry = working.touch(paneId(view, slice.start, record, part));
  }
  if (entry.body === null) startPart(entry, view, slice, record, { part, sealedThrough: latestSeal(parts.map((p) => p.body as WindowPaneBody | null)) });
  else if (entry.shared === true) {
    entry.body = structuredClone(entry.body);
    entry.shared = false;
    entry.bytes = JSON.stringify(entry.body).length;
  }
  return entry;
}

/** Starts a new part; it keeps the share's latest seal, so the seal is on the part the closer's condition guards. */
function startPart(entry: Working, view: SlicedWindowView, slice: { start: number; end: number }, record: PreparedRecord['record'], at: { part: number; sealedThrough: number | undefined }): void {
  const body: WindowPaneBody = {
    kind: 'window-pane',
    view: view.name,
    topic: record.topic,
    partition: record.partition,
    start: slice.start,
    end: slice.end,
    applied: -1,
    keys: {},
    ids: {},
    ...(at.part === 0 ? {} : { part: at.part }),
    ...(at.sealedThrough === undefined ? {} : { sealedThrough: at.sealedThrough }),
  };
  entry.body = body;
  entry.shared = false;
  entry.bytes = JSON.stringify(body).length;
}

function paneId(view: SlicedWindowView, sliceStart: number, record: PreparedRecord['record'], part: number): ItemId {
  return itemIds.windowPane(view.name, sliceStart, record.topic, record.partition, part);
}
