import type { ChangeEvent } from '../cdc/change-event.js';
import type { CheckpointBody, DedupBody, Json, KeyWindowsBody, OpenWindow, ProjectionBody, RollupBody, StateBody, WindowPaneBody } from '../state/state-items.js';
import type { ItemWrite, StoredItem } from '../state/state-store.js';
import { idKey, isWindowPane, itemIds, type ItemId } from '../state/table-layout.js';
import type { ProcessorDefinition, ProjectionView, RecordContext, WindowView } from './definition.js';
import { LateEventError } from './errors.js';
import { toJson } from './json-value.js';
import type { PreparedRecord } from './prepared-record.js';
import { partitionWatermark } from './watermark.js';
import { isSliced, latestSeal, sliceDueAt, sliceOf, sliceRetiresAt, windowsOfSlice, withoutTtl, type SlicedWindowView } from './window-slices.js';
import { closesAt, fixedWindowsFor, isWindowLate, sessionJoining } from './windows.js';

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
  /** Size at which a window pane's part is full. @default PANE_PART_BYTES */
  readonly panePartBytes?: number;
}

export type ChunkPlan =
  | {
      readonly kind: 'planned';
      /**
       * Dedup markers this partition claims, each a conditional write of its
       * own, written before anything else: a processor with items only its
       * partition writes applies a record to them before its transaction, so
       * the marker cannot wait for the transaction. Two partitions given the
       * same event at once both reach the claim; one loses the condition,
       * re-plans, and finds the event a duplicate before it changed anything.
       */
      readonly claims: ItemWrite[];
      /**
       * Items only this partition writes (its window panes and rollup
       * shares), each its own conditional write: they need no transaction.
       * Written before `writes`, which holds the checkpoint: such an item may
       * be ahead of the checkpoint, never behind, and its `applied` offset
       * says which records it already has. In chains: the chains are written
       * side by side, a chain's writes one after another (the parts of one
       * pane, oldest first), stopping at the first that loses its condition.
       */
      readonly ownWrites: ItemWrite[][];
      /** One transaction: the checkpoint, and the items several partitions may write (or one write alone). */
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
  /** A dedup marker written as a claim, before the partition's other writes. */
  claim?: boolean;
  /** `body` is the stored object itself, shared with the caller's state: copied before it is changed in place. */
  shared?: boolean;
  /** A pane part's estimated size once written, kept as records are added. */
  bytes?: number;
  /** The offset of the last record added to a pane part in this chunk. */
  lastOffset?: number;
  /** A pane part this plan filled. */
  filledHere?: boolean;
}

/**
 * Size at which a pane part is full and the partition's share of the slice
 * goes on in a new part. A chunk rewrites only the parts it adds to, so
 * this bounds what one pane write costs (DynamoDB bills a write by the whole
 * item's size, 1 WCU per KB) however many records the slice holds, and it
 * keeps every part far below the 400 KB item limit.
 */
export const PANE_PART_BYTES = 32_000;
/** Parts read ahead at once when a share has more than one, so a cold read of a large share takes few round trips. */
const PART_READ_AHEAD = 8;

/**
 * The working copy of an item. `knownAbsent`: the item cannot exist (a
 * pane part after one this plan filled), so it is not read.
 */
type Touch = (id: ItemId, options?: { readonly knownAbsent?: boolean }) => Working;

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
 * executor re-plan freely after losing a condition, or after a crash left
 * some panes written and the checkpoint not.
 */
export function planChunk(input: ChunkPlanInput): ChunkPlan {
  const working = new Map<string, Working>();
  const missing = new Map<string, ItemId>();
  const touch: Touch = (id, options = {}) => {
    const key = idKey(id);
    const existing = working.get(key);
    if (existing !== undefined) return existing;
    if (options.knownAbsent === true && !input.readKeys.has(key)) {
      const absent: Working = { id, rev: 0, body: null, dirty: false };
      working.set(key, absent);
      return absent;
    }
    if (!input.readKeys.has(key)) {
      missing.set(key, id);
      throw new NeedsRead([id]);
    }
    const stored = input.state.get(key);
    // A pane part is copied only when the plan adds to it: a share's full parts are only read, and
    // there may be many. Anything else is copied now, since a user's aggregate may change the
    // accumulator it is given in place, and a re-plan must start again from what was read.
    const pane = stored?.body.kind === 'window-pane';
    const body = stored === undefined ? null : pane ? stored.body : structuredClone(stored.body);
    const entry: Working = { id, rev: stored?.rev ?? 0, body, dirty: false, shared: pane };
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

/**
 * After one missing read, gather every id the chunk needs so one more read
 * suffices: the items its records name, and for each pane read so far in
 * parts, the next parts of it too.
 */
function collectNeeds(input: ChunkPlanInput, first: Map<string, ItemId>): ItemId[] {
  const needed = new Map(first);
  const need = (id: ItemId): void => {
    if (!input.readKeys.has(idKey(id))) needed.set(idKey(id), id);
  };
  const shares = new Set<string>();
  for (const prepared of input.records) {
    for (const id of directIds(input.definition, prepared)) {
      need(id);
      if (!isWindowPane(id) || shares.has(idKey(id))) continue;
      shares.add(idKey(id));
      const pane = input.state.get(idKey(id))?.body as WindowPaneBody | undefined;
      if (pane?.full !== true) continue;
      const next = nextUnreadPart(input, pane);
      if (next === undefined) continue;
      for (let part = next; part < next + PART_READ_AHEAD; part += 1) need(itemIds.windowPane(pane.view, pane.start, pane.topic, pane.partition, part));
    }
  }
  return [...needed.values()];
}

/** The first part of a share not read yet, walking its parts read and full from the first; undefined when the share's last part was read. */
function nextUnreadPart(input: ChunkPlanInput, first: WindowPaneBody): number | undefined {
  for (let part = 1; ; part += 1) {
    const key = idKey(itemIds.windowPane(first.view, first.start, first.topic, first.partition, part));
    if (!input.readKeys.has(key)) return part;
    if ((input.state.get(key)?.body as WindowPaneBody | undefined)?.full !== true) return undefined;
  }
}

/** The items a record touches that can be named without reading anything. */
export function directIds(definition: ProcessorDefinition, prepared: PreparedRecord): ItemId[] {
  if (prepared.failure !== undefined) return [];
  const ids: ItemId[] = [];
  if (prepared.eventId !== undefined && needsDedupMarker(definition, prepared)) ids.push(itemIds.dedup(prepared.eventId));
  definition.views.forEach((view, index) => {
    const target = prepared.perView[index];
    if (target === undefined) return;
    if (view.kind === 'window') ids.push(isSliced(view) ? paneId(view, prepared) : itemIds.keyWindows(view.name, target as string));
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
          if (group !== undefined) ids.push(itemIds.rollup(view.name, rollup.name, group, prepared.record.topic, prepared.record.partition));
        }
      }
    }
  });
  return ids;
}

/** Where a record's pane of a sliced view is: its slice, on its own partition. */
function paneId(view: SlicedWindowView, prepared: PreparedRecord): ItemId {
  const { record } = prepared;
  return itemIds.windowPane(view.name, sliceOf(view.window, prepared.eventTime ?? 0).start, record.topic, record.partition);
}

/**
 * Whether a record's event id needs a marker item of its own: when it
 * reaches a view kept outside panes (sessions, aggregates without merge,
 * projections), where no pane can remember it.
 */
function needsDedupMarker(definition: ProcessorDefinition, prepared: PreparedRecord): boolean {
  if (definition.dedup === undefined) return false;
  return definition.views.some((view, index) => prepared.perView[index] !== undefined && (view.kind === 'projection' || !isSliced(view)));
}

/** What one view would do with a record, decided before anything changes so that lateness and duplicates are judged on the same state. */
interface ViewPlan {
  readonly view: string;
  readonly kind: 'window' | 'projection';
  /** Whether the view takes the record into anything. */
  readonly onTime: boolean;
  /** The parts of the record's pane as they were before it, for a sliced view. */
  readonly parts?: readonly Working[];
  /** The pane part the record was added to, once applied. */
  target?: Working;
  /** A sliced view whose pane already holds this record: applied before a crash or a lost condition. */
  readonly alreadyApplied?: boolean;
  /** When the pane stops being needed, to pick the pane that remembers the event id longest. */
  readonly retiresAt?: number;
  readonly apply: () => void;
}

function fold(input: ChunkPlanInput, touch: Touch, working: Map<string, Working>): ChunkPlan {
  const { definition, now } = input;
  const outOfOrderness = definition.watermark?.outOfOrdernessMs ?? 0;
  let maxEventTime = input.checkpoint?.body.maxEventTime ?? null;
  const seenIds = new Set<string>();
  const claimsMarkers = claimsDedupMarkers(definition);
  const dispositions: Array<{ record: PreparedRecord; disposition: Disposition }> = [];

  for (const prepared of input.records) {
    if (prepared.failure !== undefined) {
      dispositions.push({ record: prepared, disposition: { kind: 'rejected', reason: 'PROCESSING_ERROR', error: prepared.failure } });
      continue;
    }
    const watermark = partitionWatermark(maxEventTime, outOfOrderness);
    if (prepared.eventTime !== undefined) maxEventTime = Math.max(maxEventTime ?? prepared.eventTime, prepared.eventTime);

    let plans: ViewPlan[];
    try {
      plans = definition.views.flatMap((view, index): ViewPlan[] => {
        const target = prepared.perView[index];
        if (target === undefined) return [];
        if (view.kind === 'projection') return [{ view: view.name, kind: 'projection', onTime: true, apply: () => applyChange(view, target as ChangeEvent, prepared, touch, now) }];
        if (isSliced(view)) return [planPane(view, target as string, prepared, { watermark, partBytes: input.panePartBytes ?? PANE_PART_BYTES }, touch)];
        return [planKeyWindows(view, target as string, prepared, watermark, touch)];
      });
    } catch (error) {
      if (error instanceof NeedsRead) throw error;
      throw new RecordFailure(prepared, error instanceof Error ? error : new Error(String(error)));
    }
    const windows = plans.filter((p) => p.kind === 'window');
    const projections = plans.length - windows.length;
    const lateFor = windows.filter((p) => !p.onTime).map((p) => p.view);

    // Lateness first: a record too late for every window it targets changes
    // nothing, so it is side-output as late whether or not it repeats an
    // earlier event. That keeps the decision a function of the partition's
    // own stream, whenever the windows holding the earlier copy were closed.
    if (windows.length > 0 && lateFor.length === windows.length && projections === 0) {
      const error = new LateEventError(prepared.eventTime ?? 0, watermark, lateFor);
      dispositions.push({ record: prepared, disposition: { kind: 'rejected', reason: 'LATE_EVENT', error } });
      continue;
    }

    const eventId = definition.dedup === undefined ? undefined : prepared.eventId;
    if (eventId !== undefined) {
      const offset = prepared.record.offset;
      // A pane remembers the ids it took; the id at this very offset is this record's own, applied before a crash.
      const inPane = plans.some((p) =>
        (p.parts ?? []).some((part) => {
          const seenAt = (part.body as WindowPaneBody | null)?.ids[eventId];
          return seenAt !== undefined && seenAt !== offset;
        }),
      );
      const marker = needsDedupMarker(definition, prepared);
      const owner = { topic: prepared.record.topic, partition: prepared.record.partition, offset };
      if (seenIds.has(eventId) || inPane || (marker && isDuplicate(eventId, owner, touch, now))) {
        dispositions.push({ record: prepared, disposition: { kind: 'duplicate' } });
        continue;
      }
      seenIds.add(eventId);
      if (marker) markSeen(eventId, owner, { horizonMs: (definition.dedup as NonNullable<ProcessorDefinition['dedup']>).horizonMs, claim: claimsMarkers }, touch, now);
    }

    try {
      for (const plan of plans) if (plan.onTime) plan.apply();
    } catch (error) {
      if (error instanceof NeedsRead) throw error;
      // A user aggregate or rollup threw: the record cannot be applied, but
      // the chunk can. Its partial effect on the working copies must go, so
      // re-plan the chunk without it.
      throw new RecordFailure(prepared, error instanceof Error ? error : new Error(String(error)));
    }
    if (eventId !== undefined) {
      // The id lives in the pane kept longest of those the record reached, for as long as that pane can still change.
      const keeper = plans
        .filter((p) => p.target !== undefined)
        .reduce<ViewPlan | undefined>((best, p) => (best === undefined || (p.retiresAt ?? 0) > (best.retiresAt ?? 0) ? p : best), undefined);
      if (keeper?.target !== undefined) {
        const offset = prepared.record.offset;
        (keeper.target.body as WindowPaneBody & { ids: Record<string, number> }).ids[eventId] = offset;
        keeper.target.bytes = (keeper.target.bytes ?? 0) + eventId.length + String(offset).length + 4;
      }
    }
    if (windows.length > 0 && lateFor.length === windows.length && projections === 0) {
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
  const ownWrites: ItemWrite[][] = [];
  const paneChains = new Map<string, Working[]>();
  const claims: ItemWrite[] = [];
  for (const entry of working.values()) {
    if (!entry.dirty) continue;
    if (entry.claim === true && entry.body?.kind === 'dedup') {
      claims.push({ id: entry.id, expectedRev: entry.rev, body: entry.body, ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }) });
      continue;
    }
    if (entry.body?.kind === 'window-pane') {
      const { view, start, topic, partition } = entry.body;
      const share = idKey(itemIds.windowPane(view, start, topic, partition));
      paneChains.set(share, [...(paneChains.get(share) ?? []), entry]);
      continue;
    }
    if (entry.body?.kind === 'rollup') {
      ownWrites.push([{ id: entry.id, expectedRev: entry.rev, body: { ...entry.body, applied: input.throughOffset } }]);
      continue;
    }
    writes.push({
      id: entry.id,
      expectedRev: entry.rev,
      body: entry.body,
      ...(entry.closesAt === undefined ? {} : { closesAt: entry.closesAt }),
      ...(entry.expiresAt === undefined ? {} : { expiresAt: entry.expiresAt }),
    });
  }
  for (const chain of paneChains.values()) {
    chain.sort((a, b) => partOf(a) - partOf(b));
    ownWrites.push(
      chain.map((entry, at) => {
        // A live pane never expires: a sealed empty one it grew from may have carried a TTL.
        const body = withoutTtl(entry.body as WindowPaneBody);
        // A part followed by a newer one holds records only through the last it took: should the chain stop
        // after it, the records after that are applied again, to the newer part.
        const applied = at === chain.length - 1 ? input.throughOffset : (entry.lastOffset ?? body.applied);
        return { id: entry.id, expectedRev: entry.rev, body: { ...body, applied }, ...(entry.closesAt === undefined ? {} : { closesAt: entry.closesAt }) };
      }),
    );
  }
  return { kind: 'planned', claims, ownWrites, writes, dispositions, checkpoint };
}

function partOf(entry: Working): number {
  return (entry.body as WindowPaneBody).part ?? 0;
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

/** A live marker of the event, unless it is this very record's own claim, written before a crash or a lost condition. */
function isDuplicate(eventId: string, owner: MarkerOwner, touch: Touch, now: number): boolean {
  const body = touch(itemIds.dedup(eventId)).body as DedupBody | null;
  return body !== null && body.expiresAt * 1000 > now && !isOwnClaim(body, owner);
}

function markSeen(eventId: string, owner: MarkerOwner, options: { horizonMs: number; claim: boolean }, touch: Touch, now: number): void {
  const entry = touch(itemIds.dedup(eventId));
  // Claimed already by this record: it stands as written.
  if (entry.body !== null && isOwnClaim(entry.body as DedupBody, owner)) return;
  const expiresAt = Math.ceil((now + options.horizonMs) / 1000);
  entry.body = { kind: 'dedup', eventId, expiresAt, ...(options.claim ? { claimedBy: owner } : {}) };
  entry.expiresAt = expiresAt;
  entry.dirty = true;
  entry.claim = options.claim;
}

type MarkerOwner = NonNullable<DedupBody['claimedBy']>;

function isOwnClaim(body: DedupBody, owner: MarkerOwner): boolean {
  const by = body.claimedBy;
  return by !== undefined && by.topic === owner.topic && by.partition === owner.partition && by.offset === owner.offset;
}

/**
 * Whether a processor keeps items only one partition writes (window panes,
 * rollup shares): then its dedup markers are claims, written first.
 */
function claimsDedupMarkers(definition: ProcessorDefinition): boolean {
  return definition.views.some((view) => (view.kind === 'window' ? isSliced(view) : (view.rollups?.length ?? 0) > 0));
}

function contextOf(prepared: PreparedRecord): RecordContext {
  const { topic, partition, offset, timestamp, key } = prepared.record;
  return { topic, partition, offset, timestamp, key };
}

/**
 * A record in a sliced view: the windows spanning its slice that it is on
 * time for, and adding it to its pane under the earliest of them. Its pane
 * may already hold it (written before a crash or a lost condition); then
 * it was judged when it was added, and a seal set since then does not
 * apply to it.
 */
function planPane(view: SlicedWindowView, key: string, prepared: PreparedRecord, judging: { watermark: number; partBytes: number }, touch: Touch): ViewPlan {
  const { watermark, partBytes } = judging;
  const { record } = prepared;
  const slice = sliceOf(view.window, prepared.eventTime ?? 0);
  const parts = shareParts(view, slice.start, record, touch);
  const stored = parts.map((p) => p.body as WindowPaneBody | null);
  // `applied` stays as read while folding; the write sets it to the chunk's last offset.
  const alreadyApplied = stored.some((body) => body !== null && body.applied >= record.offset);
  const sealedThrough = alreadyApplied ? undefined : latestSeal(stored);
  const lateness = view.allowedLatenessMs ?? 0;
  const from = windowsOfSlice(view.window, slice.start).find(
    (w) => !isWindowLate(w.end, lateness, watermark) && (sealedThrough === undefined || w.end > sealedThrough),
  );
  const plan: ViewPlan = {
    view: view.name,
    kind: 'window',
    onTime: from !== undefined,
    parts,
    alreadyApplied,
    retiresAt: sliceRetiresAt(view, slice.start),
    apply: () => {
      if (alreadyApplied || from === undefined) return;
      const entry = partToAddTo(view, slice, record, touch);
      // The working copy is this plan's own, so it is changed in place: copying a pane's keys or ids
      // per record would make a chunk quadratic in the pane's size.
      const body = entry.body as WindowPaneBody & { keys: Record<string, Array<readonly [number, Json, number]>>; full?: true };
      const partials = (body.keys[key] ??= []);
      const at = partials.findIndex(([fromEnd]) => fromEnd === from.end);
      const [, acc, count] = at >= 0 ? (partials[at] as readonly [number, Json, number]) : [from.end, toJson(view.aggregate.initial()), 0];
      const next: readonly [number, Json, number] = [from.end, toJson(view.aggregate.add(acc, record.value, contextOf(prepared))), count + 1];
      // What the partial took before: a new key also takes its name and punctuation.
      const before = at >= 0 ? JSON.stringify(partials[at]).length : key.length + 8;
      if (at >= 0) partials[at] = next;
      else {
        partials.push(next);
        partials.sort((a, b) => a[0] - b[0]);
      }
      entry.bytes = (entry.bytes ?? 0) + JSON.stringify(next).length + (at >= 0 ? -before : before);
      if (entry.bytes >= partBytes && body.full !== true) {
        body.full = true;
        entry.filledHere = true;
      }
      entry.lastOffset = record.offset;
      entry.closesAt = sliceDueAt(view, slice.start);
      entry.dirty = true;
      plan.target = entry;
    },
  };
  return plan;
}

/**
 * The parts of a partition's share of a slice, oldest first, as far as
 * this plan knows them: every full part, then the part records go to next
 * (absent while the share or its next part is not written yet).
 */
function shareParts(view: SlicedWindowView, sliceStart: number, record: PreparedRecord['record'], touch: Touch): Working[] {
  const parts: Working[] = [];
  const idOf = (part: number): ItemId => itemIds.windowPane(view.name, sliceStart, record.topic, record.partition, part);
  for (let part = 0; ; part += 1) {
    // A part this plan filled has no part after it: only a full part gets one, from its partition or, sealed,
    // from the closer. Were the part it filled stale, its write would lose its condition before the next one's.
    const entry = touch(idOf(part), { knownAbsent: parts.at(-1)?.filledHere === true });
    if (part > 0 && entry.body === null) return parts;
    parts.push(entry);
    if ((entry.body as WindowPaneBody | null)?.full !== true) return parts;
  }
}

/** The part a record is added to: the share's newest, started when absent or when the newest is full, and this plan's own copy. */
function partToAddTo(view: SlicedWindowView, slice: { start: number; end: number }, record: PreparedRecord['record'], touch: Touch): Working {
  const parts = shareParts(view, slice.start, record, touch);
  let entry = parts.at(-1) as Working;
  let part = parts.length - 1;
  if ((entry.body as WindowPaneBody | null)?.full === true) {
    part += 1;
    // shareParts touched it already, finding it absent.
    entry = touch(itemIds.windowPane(view.name, slice.start, record.topic, record.partition, part));
  }
  if (entry.body === null) {
    // A new part keeps the share's latest seal, so the seal is on the part the closer's condition guards.
    const sealedThrough = latestSeal(parts.map((p) => p.body as WindowPaneBody | null));
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
      ...(part === 0 ? {} : { part }),
      ...(sealedThrough === undefined ? {} : { sealedThrough }),
    };
    entry.body = body;
    entry.shared = false;
    entry.bytes = JSON.stringify(body).length;
  } else if (entry.shared === true) {
    entry.body = structuredClone(entry.body);
    entry.shared = false;
    entry.bytes = JSON.stringify(entry.body).length;
  }
  return entry;
}

/** A record in a view kept per key: the windows of the key it is on time for, and adding it to them. */
function planKeyWindows(
  view: WindowView<unknown, unknown>,
  key: string,
  prepared: PreparedRecord,
  watermark: number,
  touch: Touch,
): ViewPlan {
  const entry = touch(itemIds.keyWindows(view.name, key));
  const body: KeyWindowsBody = (entry.body as KeyWindowsBody | null) ?? { kind: 'key-windows', view: view.name, key, windows: [], closedThrough: null };
  const lateness = view.allowedLatenessMs ?? 0;
  const eventTime = prepared.eventTime ?? 0;
  const { aggregate } = view;
  const context = contextOf(prepared);

  if (view.window.type === 'session') {
    const own = { start: eventTime, end: eventTime + view.window.gapMs };
    const closedThrough = body.closedThrough;
    // The closer closes a session once the processor's watermark passes it, and that is never ahead of this
    // partition's, so what it closed is no longer live here. Unless this partition sat idle behind it: then a
    // record at or before what was closed without it is late, as for the panes the closer seals. The key keeps
    // only the newest end closed, not which sessions, so that covers records that would touch none of them too,
    // and no closed session can ever be reopened and its final result written twice.
    const closedWithoutUs = closedThrough !== null && own.start <= closedThrough && !isWindowLate(closedThrough, lateness, watermark);
    const joining = sessionJoining(own, body.windows, lateness, watermark);
    const onTime = !(joining.late || closedWithoutUs);
    return {
      view: view.name,
      kind: 'window',
      onTime,
      apply: () => {
        const current = (entry.body as KeyWindowsBody | null) ?? body;
        const merge = (a: unknown, b: unknown): unknown => (aggregate.merge as NonNullable<typeof aggregate.merge>).call(aggregate, a, b);
        const fresh: OpenWindow = { ...own, acc: toJson(aggregate.add(aggregate.initial(), prepared.record.value, context)), count: 1 };
        const { absorbs } = current === body ? joining : sessionJoining(own, current.windows, lateness, watermark);
        const merged = [...absorbs, fresh].sort((a, b) => a.start - b.start || a.end - b.end).reduce((a, w) => ({
          start: Math.min(a.start, w.start),
          end: Math.max(a.end, w.end),
          acc: toJson(merge(a.acc, w.acc)),
          count: a.count + w.count,
        }));
        store(entry, current, [...current.windows.filter((w) => !absorbs.includes(w)), merged], lateness);
      },
    };
  }
  const taking = fixedWindowsFor(view.window, eventTime).filter(
    (bounds) => !(isWindowLate(bounds.end, lateness, watermark) || (body.closedThrough !== null && bounds.end <= body.closedThrough)),
  );
  return {
    view: view.name,
    kind: 'window',
    onTime: taking.length > 0,
    apply: () => {
      const current = (entry.body as KeyWindowsBody | null) ?? body;
      const windows = [...current.windows];
      for (const bounds of taking) {
        const at = windows.findIndex((w) => w.start === bounds.start);
        const existing: OpenWindow = at >= 0 ? (windows[at] as OpenWindow) : { ...bounds, acc: toJson(aggregate.initial()), count: 0 };
        const next: OpenWindow = { ...existing, acc: toJson(aggregate.add(existing.acc, prepared.record.value, context)), count: existing.count + 1 };
        if (at >= 0) windows[at] = next;
        else windows.push(next);
      }
      store(entry, current, windows, lateness);
    },
  };
}

function store(entry: Working, body: KeyWindowsBody, windows: OpenWindow[], lateness: number): void {
  windows.sort((a, b) => a.start - b.start);
  entry.body = { ...body, windows };
  entry.closesAt = Math.min(...windows.map((w) => closesAt(w.end, lateness)));
  entry.dirty = true;
}

/** Applies a change if it is newer than what the key holds; older changes are no-ops. */
function applyChange(view: ProjectionView<unknown>, change: ChangeEvent, prepared: PreparedRecord, touch: Touch, now: number): void {
  const entry = touch(itemIds.projection(view.name, change.key));
  const current = entry.body as ProjectionBody | null;
  if (current !== null && BigInt(current.position) >= change.position) return;
  const oldRow = current?.row ?? null;
  // Columns the source could not send keep the value the row already had.
  const kept = oldRow === null ? {} : Object.fromEntries((change.unchangedColumns ?? []).filter((c) => c in oldRow).map((c) => [c, oldRow[c]]));
  const newRow = change.op === 'upsert' && change.row !== null ? ({ ...(toJson(change.row) as { [column: string]: Json }), ...kept } as { [column: string]: Json }) : null;
  for (const rollup of view.rollups ?? []) {
    if (oldRow !== null) adjustRollup(view.name, rollup, oldRow, -1, prepared, touch);
    if (newRow !== null) adjustRollup(view.name, rollup, newRow, +1, prepared, touch);
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
  prepared: PreparedRecord,
  touch: Touch,
): void {
  const group = rollup.group(row);
  if (group === undefined) return;
  const { topic, partition, offset } = prepared.record;
  const entry = touch(itemIds.rollup(viewName, rollup.name, group, topic, partition));
  const stored = entry.body as RollupBody | null;
  // The share is written before the projection's row: after a crash in between it holds this change
  // already, while the row does not, so the change is applied to the row again but not to the share.
  if (stored !== null && stored.applied >= offset) return;
  const body: RollupBody = stored ?? { kind: 'rollup', view: viewName, rollup: rollup.name, group, topic, partition, applied: -1, measures: {}, rows: 0 };
  const measures: Record<string, number> = { ...body.measures };
  for (const [name, value] of Object.entries(rollup.measures(row))) {
    if (!Number.isFinite(value)) throw new TypeError(`rollup '${rollup.name}' measure '${name}' is ${value}`);
    measures[name] = (measures[name] ?? 0) + sign * value;
  }
  entry.body = { ...body, measures, rows: body.rows + sign };
  entry.dirty = true;
}
