import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../scripts/reference/token-bucket.js';

/** A clock that only moves when the bucket sleeps. */
function fakeTime(): { clock: () => number; sleep: (ms: number) => Promise<void> } {
  let now = 0;
  return { clock: () => now, sleep: (ms) => ((now += ms), Promise.resolve()) };
}

describe('TokenBucket', () => {
  it('lets no more than rate × elapsed through, starting empty', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(200, 20, time.clock, time.sleep);
    let taken = 0;
    for (let i = 0; i < 50; i += 1) {
      await bucket.take(20);
      taken += 20;
      expect(taken).toBeLessThanOrEqual((time.clock() / 1_000) * 200 + 1e-9);
    }
    // 1 000 records at 200/s: 5 s, not less.
    expect(time.clock()).toBeGreaterThanOrEqual(5_000);
    expect(time.clock()).toBeLessThan(5_100);
  });

  it('takes at most its capacity at once', async () => {
    const time = fakeTime();
    const bucket = new TokenBucket(10, 5, time.clock, time.sleep);
    await bucket.take(50);
    expect(time.clock()).toBe(500);
  });

  it('throws on a rate that is not positive', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(/rate must be positive/);
  });
});
