import type { DedupBody } from '../state/state-items.js';
import { itemIds } from '../state/table-layout.js';
import type { ProcessorDefinition } from './definition.js';
import type { PreparedRecord } from './prepared-record.js';
import { isSliced } from './window-slices.js';
import type { WorkingSet } from './working-set.js';

/** The record a dedup marker was claimed for. */
export type MarkerOwner = NonNullable<DedupBody['claimedBy']>;

/**
 * Whether a record's event id needs a marker item of its own: when it
 * reaches a view kept outside panes (sessions, aggregates without merge,
 * projections), where no pane can remember it.
 */
export function needsDedupMarker(definition: ProcessorDefinition, prepared: PreparedRecord): boolean {
  if (definition.dedup === undefined) return false;
  return definition.views.some((view, index) => prepared.perView[index] !== undefined && (view.kind === 'projection' || !isSliced(view)));
}

/**
 * Whether a processor keeps items only one partition writes (window panes,
 * rollup shares): then its dedup markers are claims, written first.
 */
export function claimsDedupMarkers(definition: ProcessorDefinition): boolean {
  return definition.views.some((view) => (view.kind === 'window' ? isSliced(view) : (view.rollups?.length ?? 0) > 0));
}

/** A live marker of the event, unless it is this very record's own claim, written before a crash or a lost condition. */
export function hasLiveMarker(eventId: string, owner: MarkerOwner, working: WorkingSet, now: number): boolean {
  const body = working.touch(itemIds.dedup(eventId)).body as DedupBody | null;
  return body !== null && body.expiresAt * 1000 > now && !isOwnClaim(body, owner);
}

/** Writes the event's marker, for `horizonMs`; a claim is written before the partition's other items. */
export function markSeen(eventId: string, owner: MarkerOwner, options: { horizonMs: number; claim: boolean }, working: WorkingSet, now: number): void {
  const entry = working.touch(itemIds.dedup(eventId));
  // Claimed already by this record: it stands as written.
  if (entry.body !== null && isOwnClaim(entry.body as DedupBody, owner)) return;
  const expiresAt = Math.ceil((now + options.horizonMs) / 1000);
  entry.body = { kind: 'dedup', eventId, expiresAt, ...(options.claim ? { claimedBy: owner } : {}) };
  entry.expiresAt = expiresAt;
  entry.dirty = true;
  entry.claim = options.claim;
}

function isOwnClaim(body: DedupBody, owner: MarkerOwner): boolean {
  const by = body.claimedBy;
  return by !== undefined && by.topic === owner.topic && by.partition === owner.partition && by.offset === owner.offset;
}
