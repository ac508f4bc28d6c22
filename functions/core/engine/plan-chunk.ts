import type { ChangeEvent } from '../cdc/change-event.js';
import type { CheckpointBody, DedupBody, Json, KeyWindowsBody, OpenWindow, ProjectionBody, RollupBody, StateBody } from '../state/state-items.js';
import type { ItemWrite, StoredItem } from '../state/state-store.js';
import { idKey, itemIds, type ItemId } from '../state/table-layout.js';
import type { ProcessorDefinition, ProjectionView, RecordContext, WindowView } from './definition.js';
import { LateEventError } from './errors.js';
import { toJson } from './json-value.js';
import type { PreparedRecord } from './prepared-record.js';
import { partitionWatermark } from './watermark.js';
import { closesAt, fixedWindowsFor, isSessionRecordLate, isWindowLate, sessionsMerge } from './windows.js';

export type Disposition =
  /** `late` when a window view it targets missed it: the record is also side-output as LATE_EVENT. */
  | { readonly kind: 'applied'; readonly late?: LateEventError }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'rejected'; readonly reason: 'LATE_EVENT' | 'PROCESSING_ERROR'; readonly error: Error };

export interface ChunkPlanInput {
  readonly definition: ProcessorDefinition;
  readonly topic: string;
  readonly partition: number;
  /** Records above the checkpoint, in offset order. */
  readonly records: readonly PreparedRecord[];
  readonly checkpoint: StoredItem<CheckpointBody> | undefined;
  readonly metaExists: boolean;
  /** The checkpoint's offset once this chunk commits (it may pass poison records after the last one). */
  readonly throughOffset: number;
  /** Everything read for the chunk; `readKeys` also names the ids found absent. */
  readonly state: ReadonlyMap<string, StoredItem>;
  readonly readKeys: ReadonlySet<string>;
  readonly now: number;
}

export type ChunkPlan =
  | {
      readonly kind: 'planned';
      readonly writes: ItemWrite[];
      readonly dispositions: ReadonlyArray<{ readonly record: PreparedRecord; readonly disposition: Disposition }>;
      readonly checkpoint: CheckpointBody;
    }
  /** State the plan depends on was not read yet: read these and plan again. */
  | { readonly kind: 'needs-reads'; readonly ids: ItemId[] };

interface Working {
  readonly id: ItemId;
  readonly rev: number;
  body: StateBody | null;
  dirty: boolean;
  closesAt?: number;
  expiresAt?: number;
}

/** Thrown inside a fold when it reaches an item nobody read; caught by planChunk. */
class NeedsRead extends Error {
  public constructor(public readonly ids: ItemId[]) {
    super('the plan needs state that was not read');
  }
}

/**
 * Folds a chunk of one partition's records over the state read for it and
 * returns the writes that commit the chunk: one per touched item, each
 * conditioned on the revision read, plus the checkpoint. Pure: given the
 * same records and state it returns the same plan, which is what lets the
 * executor re-plan freely after losing a condition.
 */
export function planChunk(input: ChunkPlanInput): ChunkPlan {
  const working = new Map<string, Working>();
  const missing = new Map<string, ItemId>();
  const touch = (id: ItemId): Working => {
    const key = idKey(id);
    const existing = working.get(key);
    if (existing !== undefined) return existing;
    if (!input.readKeys.has(key)) {
      missing.set(key, id);
      throw new NeedsRead([id]);
    }
    const stored = input.state.get(key);
    const entry: Working = { id, rev: stored?.rev ?? 0, body: stored === undefined ? null : structuredClone(stored.body), dirty: false };
    working.set(key, entry);
    return entry;
  };
  try {
    return fold(input, touch, working);
  } catch (signal) {
    if (signal instanceof NeedsRead) return { kind: 'needs-reads', ids: collectNeeds(input, missing) };
    throw signal;
  }
}

/** After one missing read, gather every id the chunk needs so one more read suffices. */
function collectNeeds(input: ChunkPlanInput, first: Map<string, ItemId>): ItemId[] {
  const needed = new Map(first);
  for (const prepared of input.records) {
    for (const id of directIds(input.definition, prepared)) {
      if (!input.readKeys.has(idKey(id))) needed.set(idKey(id), id);
    }
  }
  return [...needed.values()];
}

/** The items a record touches that can be named without reading anything. */
export function directIds(definition: ProcessorDefinition, prepared: PreparedRecord): ItemId[] {
  if (prepared.failure !== undefined) return [];
  const ids: ItemId[] = [];
  if (prepared.eventId !== undefined && definition.dedup !== undefined) ids.push(itemIds.dedup(prepared.eventId));
  definition.views.forEach((view, index) => {
    const target = prepared.perView[index];
    if (target === undefined) return;
    if (view.kind === 'window') ids.push(itemIds.keyWindows(view.name, target as string));
    else {
      const change = target as ChangeEvent;
      ids.push(itemIds.projection(view.name, change.key));
      if (change.row !== null) {
        for (const rollup of view.rollups ?? []) {
          // Only a prefetch: a group that throws here (say, on a delete's key-only
          // before image) fails the record in the fold, never the whole partition.
          let group: string | undefined;
          try {
            group = rollup.group(change.row);
          } catch {
            continue;
          }
          if (group !== undefined) ids.push(itemIds.rollup(view.name, rollup.name, group));
        }
      }
    }
  });
  return ids;
}

function fold(input: ChunkPlanInput, touch: (id: ItemId) => Working, working: Map<string, Working>): ChunkPlan {
  const { definition, now } = input;
  const outOfOrderness = definition.watermark?.outOfOrdernessMs ?? 0;
  let maxEventTime = input.checkpoint?.body.maxEventTime ?? null;
  const seenIds = new Set<string>();
  const dispositions: Array<{ record: PreparedRecord; disposition: Disposition }> = [];

  for (const prepared of input.records) {
    if (prepared.failure !== undefined) {
      dispositions.push({ record: prepared, disposition: { kind: 'rejected', reason: 'PROCESSING_ERROR', error: prepared.failure } });
      continue;
    }
    const watermark = partitionWatermark(maxEventTime, outOfOrderness);
    if (prepared.eventTime !== undefined) maxEventTime = Math.max(maxEventTime ?? prepared.eventTime, prepared.eventTime);

    if (definition.dedup !== undefined && prepared.eventId !== undefined) {
      if (isDuplicate(prepared.eventId, touch, seenIds, now)) {
        dispositions.push({ record: prepared, disposition: { kind: 'duplicate' } });
        continue;
      }
      markSeen(prepared.eventId, definition.dedup.horizonMs, touch, seenIds, now);
    }

    let windowTargets = 0;
    let windowsApplied = 0;
    let projections = 0;
    const lateFor: string[] = [];
    try {
      definition.views.forEach((view, index) => {
        const target = prepared.perView[index];
        if (view.kind === 'window') {
          if (target === undefined) return;
          windowTargets += 1;
          if (applyToWindows(view, target as string, prepared, watermark, touch)) windowsApplied += 1;
          else lateFor.push(view.name);
        } else {
          if (target === undefined) return;
          projections += 1;
          applyChange(view, target as ChangeEvent, touch, now);
        }
      });
    } catch (error) {
      if (error instanceof NeedsRead) throw error;
      // A user aggregate or rollup threw: the record cannot be applied, but
      // the chunk can. Its partial effect on the working copies must go, so
      // re-plan the chunk without it.
      throw new RecordFailure(prepared, error instanceof Error ? error : new Error(String(error)));
    }
    if (windowTargets > 0 && windowsApplied === 0 && projections === 0) {
      const error = new LateEventError(prepared.eventTime ?? 0, watermark, lateFor);
      dispositions.push({ record: prepared, disposition: { kind: 'rejected', reason: 'LATE_EVENT', error } });
    } else if (lateFor.length > 0) {
      // Late for one view, on time for another: as a window operator per view
      // would in Flink, the view that missed it side-outputs it, so a view's
      // results plus the late letters naming it account for every record.
      dispositions.push({ record: prepared, disposition: { kind: 'applied', late: new LateEventError(prepared.eventTime ?? 0, watermark, lateFor, true) } });
    } else {
      dispositions.push({ record: prepared, disposition: { kind: 'applied' } });
    }
  }

  const checkpoint: CheckpointBody = {
    kind: 'checkpoint',
    topic: input.topic,
    partition: input.partition,
    offset: input.throughOffset,
    maxEventTime,
    lastActivityAt: now,
  };
  const writes: ItemWrite[] = [
    { id: itemIds.checkpoint(input.topic, input.partition), expectedRev: input.checkpoint?.rev ?? 0, body: checkpoint },
  ];
  if (!input.metaExists) writes.push({ id: itemIds.meta(), expectedRev: 0, body: { kind: 'meta', createdAt: now } });
  for (const entry of working.values()) {
    if (!entry.dirty) continue;
    writes.push({
      id: entry.id,
      expectedRev: entry.rev,
      body: entry.body,
      ...(entry.closesAt === undefined ? {} : { closesAt: entry.closesAt }),
      ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
    });
  }
  return { kind: 'planned', writes, dispositions, checkpoint };
}

/** A record whose user function threw while folding. */
export class RecordFailure extends Error {
  public constructor(
    public readonly prepared: PreparedRecord,
    public readonly failure: Error,
  ) {
    super(failure.message);
  }
}

function isDuplicate(eventId: string, touch: (id: ItemId) => Working, seen: Set<string>, now: number): boolean {
  if (seen.has(eventId)) return true;
  const body = touch(itemIds.dedup(eventId)).body as DedupBody | null;
  return body !== null && body.expiresAt * 1000 > now;
}

function markSeen(eventId: string, horizonMs: number, touch: (id: ItemId) => Working, seen: Set<string>, now: number): void {
  const entry = touch(itemIds.dedup(eventId));
  const expiresAt = Math.ceil((now + horizonMs) / 1000);
  entry.body = { kind: 'dedup', eventId, expiresAt };
  entry.expiresAt = expiresAt;
  entry.dirty = true;
  seen.add(eventId);
}

function contextOf(prepared: PreparedRecord): RecordContext {
  const { topic, partition, offset, timestamp, key } = prepared.record;
  return { topic, partition, offset, timestamp, key };
}

/** Adds the record to every window of the key it is on time for; false when it was late for all. */
function applyToWindows(
  view: WindowView<unknown, unknown>,
  key: string,
  prepared: PreparedRecord,
  watermark: number,
  touch: (id: ItemId) => Working,
): boolean {
  const entry = touch(itemIds.keyWindows(view.name, key));
  const body: KeyWindowsBody = (entry.body as KeyWindowsBody | null) ?? { kind: 'key-windows', view: view.name, key, windows: [], closedThrough: null };
  const lateness = view.allowedLatenessMs ?? 0;
  const eventTime = prepared.eventTime ?? 0;
  const { aggregate } = view;
  const context = contextOf(prepared);
  let windows = [...body.windows];
  let applied = false;

  if (view.window.type === 'session') {
    const gap = view.window.gapMs;
    const closedThrough = body.closedThrough;
    if (isSessionRecordLate(eventTime, lateness, watermark) || (closedThrough !== null && eventTime <= closedThrough)) return false;
    const merge = (a: unknown, b: unknown): unknown => (aggregate.merge as NonNullable<typeof aggregate.merge>).call(aggregate, a, b);
    const fresh: OpenWindow = { start: eventTime, end: eventTime + gap, acc: toJson(aggregate.add(aggregate.initial(), prepared.record.value, context)), count: 1 };
    const overlapping = [...windows.filter((w) => sessionsMerge(w, fresh)), fresh].sort((a, b) => a.start - b.start || a.end - b.end);
    const merged = overlapping.reduce((a, w) => ({
      start: Math.min(a.start, w.start),
      end: Math.max(a.end, w.end),
      acc: toJson(merge(a.acc, w.acc)),
      count: a.count + w.count,
    }));
    windows = [...windows.filter((w) => !sessionsMerge(w, fresh)), merged];
    applied = true;
  } else {
    for (const bounds of fixedWindowsFor(view.window, eventTime)) {
      if (isWindowLate(bounds.end, lateness, watermark) || (body.closedThrough !== null && bounds.end <= body.closedThrough)) continue;
      const at = windows.findIndex((w) => w.start === bounds.start);
      const current: OpenWindow = at >= 0 ? (windows[at] as OpenWindow) : { ...bounds, acc: toJson(aggregate.initial()), count: 0 };
      const next: OpenWindow = { ...current, acc: toJson(aggregate.add(current.acc, prepared.record.value, context)), count: current.count + 1 };
      if (at >= 0) windows[at] = next;
      else windows.push(next);
      applied = true;
    }
  }
  if (!applied) return false;
  windows.sort((a, b) => a.start - b.start);
  entry.body = { ...body, windows };
  entry.closesAt = Math.min(...windows.map((w) => closesAt(w.end, lateness)));
  entry.dirty = true;
  return true;
}

/** Applies a change if it is newer than what the key holds; older changes are no-ops. */
function applyChange(view: ProjectionView<unknown>, change: ChangeEvent, touch: (id: ItemId) => Working, now: number): void {
  const entry = touch(itemIds.projection(view.name, change.key));
  const current = entry.body as ProjectionBody | null;
  if (current !== null && BigInt(current.position) >= change.position) return;
  const oldRow = current?.row ?? null;
  // Columns the source could not send keep the value the row already had.
  const kept = oldRow === null ? {} : Object.fromEntries((change.unchangedColumns ?? []).filter((c) => c in oldRow).map((c) => [c, oldRow[c]]));
  const newRow = change.op === 'upsert' && change.row !== null ? ({ ...(toJson(change.row) as { [column: string]: Json }), ...kept } as { [column: string]: Json }) : null;
  for (const rollup of view.rollups ?? []) {
    if (oldRow !== null) adjustRollup(view.name, rollup, oldRow, -1, touch);
    if (newRow !== null) adjustRollup(view.name, rollup, newRow, +1, touch);
  }
  entry.body = {
    kind: 'projection',
    view: view.name,
    key: change.key,
    row: newRow,
    position: change.position.toString(),
    positionKind: change.positionKind,
    updatedAt: now,
  };
  entry.dirty = true;
}

function adjustRollup(
  viewName: string,
  rollup: NonNullable<ProjectionView<unknown>['rollups']>[number],
  row: Readonly<Record<string, unknown>>,
  sign: 1 | -1,
  touch: (id: ItemId) => Working,
): void {
  const group = rollup.group(row);
  if (group === undefined) return;
  const entry = touch(itemIds.rollup(viewName, rollup.name, group));
  const body: RollupBody = (entry.body as RollupBody | null) ?? { kind: 'rollup', view: viewName, rollup: rollup.name, group, measures: {}, rows: 0 };
  const measures: Record<string, number> = { ...body.measures };
  for (const [name, value] of Object.entries(rollup.measures(row))) {
    if (!Number.isFinite(value)) throw new TypeError(`rollup '${rollup.name}' measure '${name}' is ${value}`);
    measures[name] = (measures[name] ?? 0) + sign * value;
  }
  entry.body = { ...body, measures, rows: body.rows + sign };
  entry.dirty = true;
}
