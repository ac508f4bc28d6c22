import type { StateStore, StoredItem } from '../state/state-store.js';
import { idKey, type ItemId } from '../state/table-layout.js';
import type { CachedPartition } from './partition-state-cache.js';

/**
 * What a chunk's plan was made on: the items read for it, from the store
 * or from what the partition's last commit left in this process. Many
 * records name the same pane or key: each is read once.
 */
export class ChunkReads {
  /** Everything read, by idKey; absent items are in `readKeys` only. */
  public readonly state = new Map<string, StoredItem>();
  public readonly readKeys = new Set<string>();
  /** Every id read, by idKey, to tell the cache afterwards what the partition's own items are. */
  public readonly readIds = new Map<string, ItemId>();
  /** Whether anything came from the cache, and so must be confirmed by a write conditioned on it. */
  public fromCache = false;

  public constructor(
    private readonly store: StateStore,
    private readonly cached: CachedPartition | undefined,
  ) {}

  public async read(ids: readonly ItemId[]): Promise<void> {
    const unread = [...new Map(ids.filter((id) => !this.readKeys.has(idKey(id))).map((id) => [idKey(id), id])).values()];
    const wanted: ItemId[] = [];
    for (const id of unread) {
      const key = idKey(id);
      this.readIds.set(key, id);
      const remembered = this.cached?.items.get(key);
      if (remembered !== undefined) this.state.set(key, remembered);
      if (remembered !== undefined || this.cached?.absent.has(key) === true) {
        this.readKeys.add(key);
        this.fromCache = true;
      } else wanted.push(id);
    }
    if (wanted.length === 0) return;
    for (const [key, item] of await this.store.read(wanted)) this.state.set(key, item);
    for (const id of wanted) this.readKeys.add(idKey(id));
  }
}
