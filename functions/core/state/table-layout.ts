import { createHash } from 'node:crypto';

/**
 * Where each item lives in a processor's single table (`pk`, `sk`). The
 * checkpoints share one partition key so one Query reads every partition's
 * watermark; everything else is spread by key.
 */

export interface ItemId {
  readonly pk: string;
  readonly sk: string;
}

/** Sparse index of what has windows to close (key-window items, window panes), by the time the earliest one closes. */
export const OPEN_WINDOWS_INDEX = 'open-windows';
/** The attribute DynamoDB's TTL reads: when an item (a dedup marker, a retired pane) may be deleted, in epoch seconds. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** Write sharding of the open-windows index, so closing is not one hot index partition. */
export const OPEN_WINDOW_SHARDS = 8;

const PAD = 16;
const padded = (n: number): string => (n < 0 ? `-${String(-n).padStart(PAD, '0')}` : String(n).padStart(PAD, '0'));

export const CHECKPOINT_PK = 'CP';

export const itemIds = {
  checkpoint: (topic: string, partition: number): ItemId => ({ pk: CHECKPOINT_PK, sk: `${topic}#${partition}` }),
  meta: (): ItemId => ({ pk: 'META', sk: 'META' }),
  closerLease: (): ItemId => ({ pk: 'META', sk: 'CLOSER' }),
  keyWindows: (view: string, key: string): ItemId => ({ pk: `KW#${view}#${key}`, sk: 'KW' }),
  finalWindow: (view: string, key: string, start: number, end: number): ItemId => ({
    pk: `FW#${view}#${key}`,
    sk: `W#${padded(start)}#${padded(end)}`,
  }),
  /**
   * One partition's share of a slice, or one part of it: the slice's items of every partition share a
   * partition key, so one Query reads them. Part 0 is the share itself; a share that outgrew
   * one part goes on in parts 1, 2, ...
   */
  windowPane: (view: string, sliceStart: number, topic: string, partition: number, part = 0): ItemId => ({
    pk: `WP#${view}#${padded(sliceStart)}`,
    sk: part === 0 ? `${topic}#${partition}` : `${topic}#${partition}#${String(part).padStart(4, '0')}`,
  }),
  /** A closed window's results; every part shares the window's partition key. */
  finalWindows: (view: string, start: number, end: number, part: number): ItemId => ({ pk: `FWS#${view}#${padded(start)}#${padded(end)}`, sk: `P#${String(part).padStart(4, '0')}` }),
  dedup: (eventId: string): ItemId => ({ pk: `DD#${eventId}`, sk: 'DD' }),
  projection: (view: string, key: string): ItemId => ({ pk: `PR#${view}#${key}`, sk: 'PR' }),
  /** One partition's share of a rollup group: a group's shares share a partition key, so one Query reads them. */
  rollup: (view: string, rollup: string, group: string, topic: string, partition: number): ItemId => ({ pk: `RU#${view}#${rollup}#${group}`, sk: `${topic}#${partition}` }),
} as const;

/** The view and slice a window pane's partition key names. */
export function paneSliceOf(id: ItemId): { readonly view: string; readonly sliceStart: number } {
  const [, view = '', start = 'NaN'] = id.pk.split('#');
  return { view, sliceStart: Number(start) };
}

/** Whether an item is a window pane. */
export function isWindowPane(id: ItemId): boolean {
  return id.pk.startsWith('WP#');
}

/** Whether one source partition alone writes an item (a window pane, a rollup share): it is written on its own, not in a transaction. */
export function isPartitionOwned(id: ItemId): boolean {
  return isWindowPane(id) || id.pk.startsWith('RU#');
}

/** One string per item, for maps and sets. */
export function idKey(id: ItemId): string {
  return `${id.pk}\u0000${id.sk}`;
}

/**
 * The open-windows shard of a key-window item: `S` and the first four bytes
 * of the SHA-256 of its `pk`, read big-endian, modulo OPEN_WINDOW_SHARDS.
 */
export function openWindowShard(id: ItemId): string {
  const hash = createHash('sha256').update(id.pk).digest();
  return `S${hash.readUInt32BE(0) % OPEN_WINDOW_SHARDS}`;
}
