/**
 * The items a processor keeps in its table. Every item carries a revision
 * (`rev`, 1 for a new item, +1 per write); writes are conditioned on the
 * revision that was read, which is what makes a concurrent or zombie
 * invocation lose instead of applying twice.
 */

/** A JSON value, the only kind of value state holds. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** How far one partition has been applied. */
export interface CheckpointBody {
  readonly kind: 'checkpoint';
  readonly topic: string;
  readonly partition: number;
  /** The highest offset whose effect is in the table. */
  readonly offset: number;
  /** The newest event time seen on the partition, or null before the first. */
  readonly maxEventTime: number | null;
  /** Processing time of the last commit, for idleness. */
  readonly lastActivityAt: number;
}

/** When the processor first wrote state: partitions not heard from since count as idle after the idle timeout. */
export interface ProcessorMetaBody {
  readonly kind: 'meta';
  readonly createdAt: number;
}

/**
 * Which process closes the processor's windows for now. One closer at a
 * time: closers of concurrent invocations would read the same panes and
 * race for the same result parts and slice retirements.
 */
export interface CloserLeaseBody {
  readonly kind: 'closer-lease';
  /** The holding process, random per process. */
  readonly holder: string;
  /** Processing time, epoch millis, until which no other process takes the lease over. */
  readonly heldUntil: number;
}

export interface OpenWindow {
  readonly start: number;
  readonly end: number;
  readonly acc: Json;
  readonly count: number;
}

/** The open windows of one key of one window view. */
export interface KeyWindowsBody {
  readonly kind: 'key-windows';
  readonly view: string;
  readonly key: string;
  /** Sorted by start. */
  readonly windows: readonly OpenWindow[];
  /**
   * The largest end of a window of this key that has closed. A window
   * ending at or before it is final, so a record for it is late whatever
   * its partition's watermark says.
   */
  readonly closedThrough: number | null;
}

/** One window's result: what a closed window holds, for a key of a view. */
export interface WindowResult {
  readonly view: string;
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly result: Json;
  /** Records folded into the window. */
  readonly count: number;
}

/** A closed window's result, written once. */
export interface FinalWindowBody extends WindowResult {
  readonly kind: 'final-window';
  readonly closedAt: number;
}

/** A key's partial aggregate in a pane: `[fromWindowEnd, accumulator, records]`. */
export type PanePartial = readonly [number, Json, number];

/**
 * One source partition's share of one slice of a fixed-window view: every
 * key's partial aggregate over the records of that partition whose event
 * time falls in [start, end). Only that partition writes it, so it needs no
 * transaction; the window closer merges the slices of every partition into
 * each window's result. A tumbling window is one slice; a hopping window is
 * the slices of its slide width that it spans.
 */
export interface WindowPaneBody {
  readonly kind: 'window-pane';
  readonly view: string;
  readonly topic: string;
  readonly partition: number;
  /** The slice, [start, end). */
  readonly start: number;
  readonly end: number;
  /**
   * The highest offset of the partition whose effect on this part is in it. A
   * record at or below the highest `applied` of a share's parts was applied to
   * the share already: parts are written in order, each after the one before.
   */
  readonly applied: number;
  /**
   * Per key, partial aggregates by the end of the earliest window they count
   * towards: `[fromWindowEnd, accumulator, records]`. A record that is late
   * for the slice's first windows but on time for later ones counts from a
   * later window end, so a window closed before it arrived never sees it.
   */
  readonly keys: { readonly [key: string]: readonly PanePartial[] };
  /**
   * Event ids of the records applied here, with their offsets, for
   * deduplication: the ids live exactly as long as the state they changed.
   */
  readonly ids: { readonly [eventId: string]: number };
  /**
   * Set by the window closer on a partition that was idle, and so behind the
   * processor's watermark, when it closed windows spanning this slice: no
   * record above `applied` counts towards a window ending at or before it.
   */
  readonly sealedThrough?: number;
  /**
   * Which part of the partition's share of the slice this is (absent: 0).
   * A share is written in parts so that each write rewrites a bounded item:
   * records go to the newest part, and a part that reached its size is
   * marked `full` and never changes again until the slice is retired.
   */
  readonly part?: number;
  /** Set once the part reached its size: the share goes on in the next part. */
  readonly full?: true;
}

/** Closed windows' results of one fixed-window view, all keys of one window in one item (or a few, when large). */
export interface FinalWindowsBody {
  readonly kind: 'final-windows';
  readonly view: string;
  readonly start: number;
  readonly end: number;
  /** This item's place among the window's items, from 0; item 0 is written last, so its presence means the window is final. */
  readonly part: number;
  readonly parts: number;
  readonly results: { readonly [key: string]: { readonly result: Json; readonly count: number } };
  readonly closedAt: number;
}

/** An event id seen within the dedup horizon. */
export interface DedupBody {
  readonly kind: 'dedup';
  readonly eventId: string;
  /** Epoch seconds (DynamoDB TTL's unit); the marker counts as gone after it. */
  readonly expiresAt: number;
  /** The record that claimed the event, when markers are claimed before the partition's other writes: its own claim is not a repeat. */
  readonly claimedBy?: { readonly topic: string; readonly partition: number; readonly offset: number };
}

/** The current row of a projected key, or its tombstone. */
export interface ProjectionBody {
  readonly kind: 'projection';
  readonly view: string;
  readonly key: string;
  /** null once deleted: the item stays as a tombstone holding the delete's position. */
  readonly row: { readonly [column: string]: Json } | null;
  /** Source position of the change applied last, as a decimal string (it may exceed 2^53). */
  readonly position: string;
  readonly positionKind: string;
  readonly updatedAt: number;
}

/**
 * One source partition's share of the sums over a projection's current rows
 * for one group: only that partition writes it, and a group's sums are its
 * shares added up (rollupTotals).
 */
export interface RollupBody {
  readonly kind: 'rollup';
  readonly view: string;
  readonly rollup: string;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  /** The highest offset of the partition whose effect on this share is in it. */
  readonly applied: number;
  readonly measures: { readonly [name: string]: number };
  /** How many current rows count towards the group, from this partition's changes. */
  readonly rows: number;
}

export type StateBody =
  | CheckpointBody
  | ProcessorMetaBody
  | CloserLeaseBody
  | KeyWindowsBody
  | FinalWindowBody
  | WindowPaneBody
  | FinalWindowsBody
  | DedupBody
  | ProjectionBody
  | RollupBody;
