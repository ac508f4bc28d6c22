import type { ChangeEvent } from '../cdc/change-event.js';
import type { CheckpointBody, WindowPaneBody } from '../state/state-items.js';
import type { StoredItem } from '../state/state-store.js';
import type { ItemId } from '../state/table-layout.js';
import { chunkWrites, type ChunkWrites } from './chunk-writes.js';
import { idsToRead } from './chunk-item-ids.js';
import { claimsDedupMarkers, hasLiveMarker, markSeen, needsDedupMarker } from './dedup-markers.js';
import type { ProcessorDefinition } from './definition.js';
import { LateEventError, ProcessingError } from './errors.js';
import { planKeyWindows } from './key-windows-plan.js';
import { PANE_PART_BYTES, planPane, rememberEventId } from './pane-plan.js';
import type { PreparedRecord } from './prepared-record.js';
import { applyChange } from './projection-plan.js';
import type { ViewPlan } from './view-plan.js';
import { partitionWatermark } from './watermark.js';
import { isSliced } from './window-slices.js';
import { WorkingSet } from './working-set.js';

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
  | (ChunkWrites & {
      readonly kind: 'planned';
      readonly dispositions: ReadonlyArray<{ readonly record: PreparedRecord; readonly disposition: Disposition }>;
      readonly checkpoint: CheckpointBody;
    })
  /** State the plan depends on was not read yet: read these and plan again. */
  | { readonly kind: 'needs-reads'; readonly ids: ItemId[] }
  /**
   * A user function threw while the record was folded in. Its partial effect
   * on the working copies cannot be undone, so the chunk is planned again
   * with the record failed.
   */
  | { readonly kind: 'record-failed'; readonly record: PreparedRecord; readonly error: Error };

/** What folding one record decided: a disposition, or a user function's failure. */
type RecordOutcome = Disposition | { readonly kind: 'failed'; readonly error: Error };

/** What the fold carries from one record to the next. */
interface Fold {
  readonly input: ChunkPlanInput;
  readonly working: WorkingSet;
  readonly claimsMarkers: boolean;
  readonly seenIds: Set<string>;
  maxEventTime: number | null;
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
  const fold: Fold = {
    input,
    working: new WorkingSet(input.state, input.readKeys),
    claimsMarkers: claimsDedupMarkers(input.definition),
    seenIds: new Set(),
    maxEventTime: input.checkpoint?.body.maxEventTime ?? null,
  };
  const dispositions: Array<{ record: PreparedRecord; disposition: Disposition }> = [];
  for (const record of input.records) {
    const outcome = foldRecord(fold, record);
    if (fold.working.missing.size > 0) return { kind: 'needs-reads', ids: idsToRead(input, fold.working.missing) };
    if (outcome.kind === 'failed') return { kind: 'record-failed', record, error: outcome.error };
    dispositions.push({ record, disposition: outcome });
  }
  const checkpoint: CheckpointBody = {
    kind: 'checkpoint',
    topic: input.topic,
    partition: input.partition,
    offset: input.throughOffset,
    maxEventTime: fold.maxEventTime,
    lastActivityAt: input.now,
  };
  const writes = chunkWrites(fold.working.changed(), { checkpoint, checkpointRev: input.checkpoint?.rev ?? 0, metaExists: input.metaExists, now: input.now });
  return { kind: 'planned', ...writes, dispositions, checkpoint };
}

/**
 * One record: judged late or not against the partition's watermark before
 * it, then checked for a repeat, then applied to every view it is on time
 * for. Lateness comes first: a record too late for every window it targets
 * changes nothing, so it is side-output as late whether or not it repeats
 * an earlier event. That keeps the decision a function of the partition's
 * own stream, whenever the windows holding the earlier copy were closed.
 */
function foldRecord(fold: Fold, prepared: PreparedRecord): RecordOutcome {
  if (prepared.failure !== undefined) return { kind: 'rejected', reason: 'PROCESSING_ERROR', error: prepared.failure };
  const watermark = partitionWatermark(fold.maxEventTime, fold.input.definition.watermark?.outOfOrdernessMs ?? 0);
  if (prepared.eventTime !== undefined) fold.maxEventTime = Math.max(fold.maxEventTime ?? prepared.eventTime, prepared.eventTime);
  const plans = planViews(fold, prepared, watermark);
  if (plans.kind === 'failed') return plans;
  const windows = plans.views.filter((p) => p.kind === 'window');
  const lateFor = windows.filter((p) => !p.onTime).map((p) => p.view);
  const lateForAll = windows.length > 0 && lateFor.length === windows.length && windows.length === plans.views.length;
  if (lateForAll) return { kind: 'rejected', reason: 'LATE_EVENT', error: new LateEventError(prepared.eventTime ?? 0, watermark, lateFor) };
  if (isRepeat(fold, prepared, plans.views)) return { kind: 'duplicate' };
  try {
    for (const plan of plans.views) if (plan.onTime) plan.apply();
  } catch (error) {
    return { kind: 'failed', error: ProcessingError.from(error) };
  }
  rememberInPane(fold, prepared, plans.views);
  // Late for one view, on time for another: as a window operator per view
  // would in Flink, the view that missed it side-outputs it, so a view's
  // results plus the late letters naming it account for every record.
  return lateFor.length > 0 ? { kind: 'applied', late: new LateEventError(prepared.eventTime ?? 0, watermark, lateFor, true) } : { kind: 'applied' };
}

/** What each view the record targets would do with it. */
function planViews(fold: Fold, prepared: PreparedRecord, watermark: number): { readonly kind: 'planned'; readonly views: ViewPlan[] } | { readonly kind: 'failed'; readonly error: Error } {
  const { definition, now } = fold.input;
  const partBytes = fold.input.panePartBytes ?? PANE_PART_BYTES;
  try {
    const views = definition.views.flatMap((view, index): ViewPlan[] => {
      const target = prepared.perView[index];
      if (target === undefined) return [];
      if (view.kind === 'projection') return [{ view: view.name, kind: 'projection', onTime: true, apply: () => applyChange(view, target as ChangeEvent, prepared, fold.working, now) }];
      if (isSliced(view)) return [planPane(view, target as string, prepared, { watermark, partBytes }, fold.working)];
      return [planKeyWindows(view, target as string, prepared, watermark, fold.working)];
    });
    return { kind: 'planned', views };
  } catch (error) {
    return { kind: 'failed', error: ProcessingError.from(error) };
  }
}

/**
 * Whether the record repeats an event seen earlier in the chunk, in a pane
 * it targets, or under a live marker; if not, its event id is marked seen.
 */
function isRepeat(fold: Fold, prepared: PreparedRecord, plans: readonly ViewPlan[]): boolean {
  const { definition, now } = fold.input;
  const eventId = definition.dedup === undefined ? undefined : prepared.eventId;
  if (eventId === undefined) return false;
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
  if (fold.seenIds.has(eventId) || inPane || (marker && hasLiveMarker(eventId, owner, fold.working, now))) return true;
  fold.seenIds.add(eventId);
  if (marker) markSeen(eventId, owner, { horizonMs: (definition.dedup as NonNullable<ProcessorDefinition['dedup']>).horizonMs, claim: fold.claimsMarkers }, fold.working, now);
  return false;
}

/** The event id lives in the pane kept longest of those the record reached, for as long as that pane can still change. */
function rememberInPane(fold: Fold, prepared: PreparedRecord, plans: readonly ViewPlan[]): void {
  const eventId = fold.input.definition.dedup === undefined ? undefined : prepared.eventId;
  if (eventId === undefined) return;
  const keeper = plans
    .filter((p) => p.target !== undefined)
    .reduce<ViewPlan | undefined>((best, p) => (best === undefined || (p.retiresAt ?? 0) > (best.retiresAt ?? 0) ? p : best), undefined);
  if (keeper?.target !== undefined) rememberEventId(keeper.target, eventId, prepared.record.offset);
}
