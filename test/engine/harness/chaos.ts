import type { CheckpointBody } from '../../../functions/core/state/state-items.js';
import { type CommitOutcome, type ItemWrite, type StateStore, type StoredItem } from '../../../functions/core/state/state-store.js';
import { StateStoreUnavailableError } from '../../../functions/core/state/errors.js';
import type { ItemId } from '../../../functions/core/state/table-layout.js';

export { seededRandom as random } from '../../../scripts/reference/seeded-random.js';

/** The invocation is dead: every later call fails, as if the sandbox were gone. */
export class InvocationCrashed extends Error {
  public override readonly name = 'InvocationCrashed';
}

export interface Invocation {
  crashed: boolean;
}

export interface ChaosOptions {
  readonly rng: () => number;
  /** The invocation dies right after this many store calls have completed. */
  readonly crashAfterCalls?: number;
  /** Chance that a call is throttled before it reaches the store. */
  readonly throttleRate: number;
  /** Most microtask turns a call waits before and after, so concurrent invocations interleave. */
  readonly maxYields: number;
  /** Told of every commit the store accepted, even one the invocation dies right after. */
  readonly onAccepted?: (writes: readonly ItemWrite[]) => void;
}

/** Wraps a store with the faults of one invocation: throttling, interleaving, and death after the n-th call. */
export class ChaosStateStore implements StateStore {
  private calls = 0;

  public constructor(
    private readonly inner: StateStore,
    public readonly invocation: Invocation,
    private readonly options: ChaosOptions,
  ) {}

  public read(ids: readonly ItemId[]): Promise<ReadonlyMap<string, StoredItem>> {
    return this.call(() => this.inner.read(ids));
  }

  public commit(writes: readonly ItemWrite[]): Promise<CommitOutcome> {
    return this.call(
      async () => {
        const outcome = await this.inner.commit(writes);
        if (outcome.committed) this.options.onAccepted?.(writes);
        return outcome;
      },
      // Half the time the answer of an accepted commit is lost with the invocation: DynamoDB
      // applied it and the Lambda never heard, the case the offset fence exists for.
      (outcome) => outcome.committed && this.options.rng() < 0.5,
    );
  }

  public write(write: ItemWrite): Promise<boolean> {
    return this.call(
      async () => {
        const written = await this.inner.write(write);
        if (written) this.options.onAccepted?.([write]);
        return written;
      },
      (written) => written && this.options.rng() < 0.5,
    );
  }

  public readPartition(pk: string): Promise<StoredItem[]> {
    return this.call(() => this.inner.readPartition(pk));
  }

  public listCheckpoints(): Promise<Array<StoredItem<CheckpointBody>>> {
    return this.call(() => this.inner.listCheckpoints());
  }

  public findDueKeyWindows(closesAtOrBefore: number, limit: number): Promise<ItemId[]> {
    return this.call(() => this.inner.findDueKeyWindows(closesAtOrBefore, limit));
  }

  /**
   * `heardBeforeDying` says when a call that the crash follows still gets
   * its answer back: an accepted commit sometimes does, so the engine
   * reports what it decided and dies at its next call. Nothing durable
   * happens in between, since dead letters and emissions of a crashed
   * invocation fail too. When it does not, the records that commit decided
   * have no report from the engine, only their effects on state.
   */
  private async call<T>(operation: () => Promise<T>, heardBeforeDying: (result: T) => boolean = () => false): Promise<T> {
    await this.yieldSome();
    if (this.invocation.crashed) throw new InvocationCrashed('the invocation is gone');
    if (this.options.rng() < this.options.throttleRate) throw new StateStoreUnavailableError('injected throttling');
    const result = await operation();
    this.calls += 1;
    if (this.options.crashAfterCalls !== undefined && this.calls >= this.options.crashAfterCalls) {
      this.invocation.crashed = true;
      if (heardBeforeDying(result)) return result;
      throw new InvocationCrashed(`crashed after store call ${this.calls}`);
    }
    await this.yieldSome();
    return result;
  }

  private async yieldSome(): Promise<void> {
    const turns = Math.floor(this.options.rng() * (this.options.maxYields + 1));
    for (let i = 0; i < turns; i += 1) await Promise.resolve();
  }
}
