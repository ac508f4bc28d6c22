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

/** A closed window's result, written once. */
export interface FinalWindowBody {
  readonly kind: 'final-window';
  readonly view: string;
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly result: Json;
  readonly count: number;
  readonly closedAt: number;
}

/** An event id seen within the dedup horizon. */
export interface DedupBody {
  readonly kind: 'dedup';
  readonly eventId: string;
  /** Epoch seconds (DynamoDB TTL's unit); the marker counts as gone after it. */
  readonly expiresAt: number;
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

/** Sums over a projection's current rows for one group. */
export interface RollupBody {
  readonly kind: 'rollup';
  readonly view: string;
  readonly rollup: string;
  readonly group: string;
  readonly measures: { readonly [name: string]: number };
  /** How many current rows count towards the group. */
  readonly rows: number;
}

export type StateBody =
  | CheckpointBody
  | ProcessorMetaBody
  | KeyWindowsBody
  | FinalWindowBody
  | DedupBody
  | ProjectionBody
  | RollupBody;
