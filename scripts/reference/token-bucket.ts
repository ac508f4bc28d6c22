/**
 * Paces a producer to `ratePerSecond`: tokens accrue continuously up to
 * `capacity`, and taking n waits until n are there. Over any interval T the
 * records sent are at most capacity + rate × T, so the achieved rate stays
 * at or under the target however fast the broker answers, while batches
 * keep requests few.
 */

import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';
export class TokenBucket {
  private tokens: number;
  private last: number;

  public constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly clock: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new ReferenceInputError(`rate must be positive, got ${ratePerSecond}`, ReferenceInputErrorReason.INVALID_INPUT);
    if (!(capacity >= 1)) throw new ReferenceInputError(`capacity must be at least 1, got ${capacity}`, ReferenceInputErrorReason.INVALID_INPUT);
    // Starts empty: the first batch waits its share too, so a short run does not burst.
    this.tokens = 0;
    this.last = this.clock();
  }

  /** Resolves once `n` tokens (at most the capacity) are available, and takes them. */
  public async take(n: number): Promise<void> {
    const wanted = Math.min(n, this.capacity);
    for (;;) {
      this.refill();
      if (this.tokens >= wanted) {
        this.tokens -= wanted;
        return;
      }
      await this.sleep(Math.ceil(((wanted - this.tokens) / this.ratePerSecond) * 1_000));
    }
  }

  private refill(): void {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1_000) * this.ratePerSecond);
    this.last = now;
  }
}
