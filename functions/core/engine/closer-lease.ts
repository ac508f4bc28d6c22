import { randomUUID } from 'node:crypto';
import type { CloserLeaseBody } from '../state/state-items.js';
import type { StateStore, StoredItem } from '../state/state-store.js';
import { idKey, itemIds } from '../state/table-layout.js';

/**
 * One window closer at a time across a processor's processes. The lease is
 * a state item naming a holder and a time until which it holds; a process
 * closes windows only while it holds it, renews it once a quarter is spent, and
 * takes it over once it has run out (its holder stopped, or stopped
 * closing). A process that knows another holds it does not read it again
 * until that other's time runs out, so a process that does not close
 * costs nothing per invocation.
 *
 * Closing stays correct without it (every result part and retirement is
 * a conditional write); the lease only keeps closers from doing the same
 * work and losing the same races: a holder that stalls past its time may
 * still race its successor, and loses or wins by the same conditions.
 */
export class CloserLease {
  private held: { rev: number; until: number } | undefined;
  private otherHoldsUntil = Number.NEGATIVE_INFINITY;

  /**
   * @param leaseMs How long a lease lasts unrenewed: how long closing waits when its holder stops. @default 5 000
   * @param holder This process's name in the lease. @default a random UUID
   */
  public constructor(
    private readonly store: StateStore,
    private readonly leaseMs = 5_000,
    private readonly holder: string = randomUUID(),
  ) {}

  /** Whether this process may close windows now (`now` in epoch millis): it holds the lease, renewing or taking it as needed. */
  public async acquire(now: number): Promise<boolean> {
    const held = this.held;
    // Renewed while three quarters remain, so a close that starts now has most of a lease to finish in.
    if (held !== undefined && now < held.until - (this.leaseMs * 3) / 4) return true;
    if (held === undefined && now < this.otherHoldsUntil) return false;
    const id = itemIds.closerLease();
    let rev = held?.rev;
    if (rev === undefined) {
      const found = (await this.store.read([id])).get(idKey(id)) as StoredItem<CloserLeaseBody> | undefined;
      if (found !== undefined && found.body.holder !== this.holder && now < found.body.heldUntil) {
        this.otherHoldsUntil = found.body.heldUntil;
        return false;
      }
      rev = found?.rev ?? 0;
    }
    const until = now + this.leaseMs;
    const body: CloserLeaseBody = { kind: 'closer-lease', holder: this.holder, heldUntil: until };
    if (await this.store.write({ id, expectedRev: rev, body })) {
      this.held = { rev: rev + 1, until };
      return true;
    }
    // Another process took or renewed it since: the next call reads who holds it, and until when.
    this.held = undefined;
    this.otherHoldsUntil = Number.NEGATIVE_INFINITY;
    return false;
  }

  /**
   * After a close that failed: stop renewing, and leave the lease to run
   * out and to whichever other process asks first, so that a holder whose
   * closes keep failing (its emitter down, say) does not keep every window
   * open. This process asks again one lease later.
   */
  public stepBack(): void {
    if (this.held === undefined) return;
    this.otherHoldsUntil = this.held.until + this.leaseMs;
    this.held = undefined;
  }
}
