import type { StateBody } from '../state/state-items.js';
import type { StoredItem } from '../state/state-store.js';
import { idKey, type ItemId } from '../state/table-layout.js';

/** A plan's working copy of one item. */
export interface Working {
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
 * The working copies of the items a plan touches, made from what was read
 * for it.
 *
 * Touching an item nobody read yields an absent stand-in and records the
 * id as missing. The plan goes on to the end of the record in hand, since
 * stopping mid-record would need every step to say so, and is then dropped
 * for a read: what it decided on a stand-in is never used.
 */
export class WorkingSet {
  private readonly entries = new Map<string, Working>();
  private readonly unread = new Map<string, ItemId>();

  public constructor(
    private readonly state: ReadonlyMap<string, StoredItem>,
    private readonly readKeys: ReadonlySet<string>,
  ) {}

  /** The ids touched that were not read: while any is, the plan cannot be used. */
  public get missing(): ReadonlyMap<string, ItemId> {
    return this.unread;
  }

  /**
   * The working copy of an item. `knownAbsent`: the item cannot exist (a
   * pane part after one this plan filled), so it is not read.
   */
  public touch(id: ItemId, options: { readonly knownAbsent?: boolean } = {}): Working {
    const key = idKey(id);
    const existing = this.entries.get(key);
    if (existing !== undefined) return existing;
    const read = this.readKeys.has(key);
    if (!read && options.knownAbsent !== true) this.unread.set(key, id);
    const stored = read ? this.state.get(key) : undefined;
    // A pane part is copied only when the plan adds to it: a share's full parts are only read, and
    // there may be many. Anything else is copied now, since a user's aggregate may change the
    // accumulator it is given in place, and a re-plan must start again from what was read.
    const pane = stored?.body.kind === 'window-pane';
    const body = stored === undefined ? null : pane ? stored.body : structuredClone(stored.body);
    const entry: Working = { id, rev: stored?.rev ?? 0, body, dirty: false, shared: pane };
    this.entries.set(key, entry);
    return entry;
  }

  /** The copies the plan changed, in the order first touched. */
  public *changed(): Generator<Working> {
    for (const entry of this.entries.values()) if (entry.dirty) yield entry;
  }
}
