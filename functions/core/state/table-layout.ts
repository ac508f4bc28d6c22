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

/** Sparse index of key-window items that have open windows, by the time the earliest one closes. */
export const OPEN_WINDOWS_INDEX = 'open-windows';
/** Write sharding of the open-windows index, so closing is not one hot index partition. */
export const OPEN_WINDOW_SHARDS = 8;

const PAD = 16;
const padded = (n: number): string => (n < 0 ? `-${String(-n).padStart(PAD, '0')}` : String(n).padStart(PAD, '0'));

export const CHECKPOINT_PK = 'CP';

export const itemIds = {
  checkpoint: (topic: string, partition: number): ItemId => ({ pk: CHECKPOINT_PK, sk: `${topic}#${partition}` }),
  meta: (): ItemId => ({ pk: 'META', sk: 'META' }),
  keyWindows: (view: string, key: string): ItemId => ({ pk: `KW#${view}#${key}`, sk: 'KW' }),
  finalWindow: (view: string, key: string, start: number, end: number): ItemId => ({
    pk: `FW#${view}#${key}`,
    sk: `W#${padded(start)}#${padded(end)}`,
  }),
  dedup: (eventId: string): ItemId => ({ pk: `DD#${eventId}`, sk: 'DD' }),
  projection: (view: string, key: string): ItemId => ({ pk: `PR#${view}#${key}`, sk: 'PR' }),
  rollup: (view: string, rollup: string, group: string): ItemId => ({ pk: `RU#${view}#${rollup}#${group}`, sk: 'RU' }),
} as const;

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
