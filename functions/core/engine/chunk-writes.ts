import type { CheckpointBody, WindowPaneBody } from '../state/state-items.js';
import type { ItemWrite } from '../state/state-store.js';
import { idKey, itemIds } from '../state/table-layout.js';
import { withoutTtl } from './window-slices.js';
import type { Working } from './working-set.js';

/** The writes that commit a chunk, in the three groups the executor writes in order. */
export interface ChunkWrites {
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
}

/**
 * Turns a plan's changed working copies into writes, each conditioned on
 * the revision read: claims, the partition's own items in chains, and the
 * checkpoint's transaction. `meta` is written with the first checkpoint.
 */
export function chunkWrites(changed: Iterable<Working>, commit: { checkpoint: CheckpointBody; checkpointRev: number; metaExists: boolean; now: number }): ChunkWrites {
  const { checkpoint } = commit;
  const writes: ItemWrite[] = [{ id: itemIds.checkpoint(checkpoint.topic, checkpoint.partition), expectedRev: commit.checkpointRev, body: checkpoint }];
  if (!commit.metaExists) writes.push({ id: itemIds.meta(), expectedRev: 0, body: { kind: 'meta', createdAt: commit.now } });
  const claims: ItemWrite[] = [];
  const ownWrites: ItemWrite[][] = [];
  const paneChains = new Map<string, Working[]>();
  for (const entry of changed) {
    const body = entry.body;
    if (entry.claim === true && body?.kind === 'dedup') claims.push(writeOf(entry));
    else if (body?.kind === 'window-pane') {
      const share = idKey(itemIds.windowPane(body.view, body.start, body.topic, body.partition));
      paneChains.set(share, [...(paneChains.get(share) ?? []), entry]);
    } else if (body?.kind === 'rollup') ownWrites.push([{ id: entry.id, expectedRev: entry.rev, body: { ...body, applied: checkpoint.offset } }]);
    else writes.push(writeOf(entry));
  }
  for (const chain of paneChains.values()) ownWrites.push(paneChainWrites(chain, checkpoint.offset));
  return { claims, ownWrites, writes };
}

function writeOf(entry: Working): ItemWrite {
  return {
    id: entry.id,
    expectedRev: entry.rev,
    body: entry.body,
    closesAt: entry.closesAt,
    expiresAt: entry.expiresAt,
  };
}

/** The parts of one pane share, oldest first. */
function paneChainWrites(chain: Working[], throughOffset: number): ItemWrite[] {
  chain.sort((a, b) => partOf(a) - partOf(b));
  return chain.map((entry, at) => {
    // A live pane never expires: a sealed empty one it grew from may have carried a TTL.
    const body = withoutTtl(entry.body as WindowPaneBody);
    // A part followed by a newer one holds records only through the last it took: should the chain stop
    // after it, the records after that are applied again, to the newer part.
    const applied = at === chain.length - 1 ? throughOffset : (entry.lastOffset ?? body.applied);
    return { id: entry.id, expectedRev: entry.rev, body: { ...body, applied }, closesAt: entry.closesAt };
  });
}

function partOf(entry: Working): number {
  return (entry.body as WindowPaneBody).part ?? 0;
}
