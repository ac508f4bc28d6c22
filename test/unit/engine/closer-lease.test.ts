import { describe, expect, it } from 'vitest';
import { CloserLease } from '../../../functions/core/engine/closer-lease.js';
import { createEngineProcessor } from '../../../functions/core/engine/engine-processor.js';
import { InMemoryStateStore } from '../../../functions/core/state/in-memory-state-store.js';
import { countedPerSecond, countingReads, NOW } from './engine-fixtures.js';

describe('CloserLease', () => {
  it('lets one process close at a time, and another take over once the holder stops renewing', async () => {
    // Prepare
    const shared = new InMemoryStateStore();
    const b = countingReads(shared);
    const first = new CloserLease(shared, 5_000, 'a');
    const second = new CloserLease(b.store, 5_000, 'b');

    // Act
    const taken = await first.acquire(NOW);
    const refused = await second.acquire(NOW + 100);
    const readsWhileHeld = b.reads();
    const refusedAgain = await second.acquire(NOW + 4_000);
    const takenOver = await second.acquire(NOW + 5_001);
    const formerHolder = await first.acquire(NOW + 5_100);

    // Assess: b read the lease once while a held it, and took it over when a's time ran out.
    expect([taken, refused, refusedAgain, takenOver, formerHolder]).toEqual([true, false, false, true, false]);
    expect(readsWhileHeld).toBe(1);
    expect(b.reads()).toBe(2);
  });

  it('renews once a quarter of its time is spent, so a holder that keeps closing keeps the lease', async () => {
    // Prepare
    const shared = new InMemoryStateStore();
    const first = new CloserLease(shared, 5_000, 'a');
    const second = new CloserLease(shared, 5_000, 'b');
    await first.acquire(NOW);

    // Act: a closes every 2 s; b asks each time its known deadline has passed.
    const answers: boolean[] = [];
    for (let t = 2_000; t <= 12_000; t += 2_000) {
      answers.push(await first.acquire(NOW + t));
      answers.push(await second.acquire(NOW + t + 1_000));
    }

    // Assess
    expect(answers).toEqual([true, false, true, false, true, false, true, false, true, false, true, false]);
  });
});

describe('CloserLease after a failed close', () => {
  it('steps back: another process takes the lease once it runs out, and the former holder asks again a lease later', async () => {
    // Prepare
    const shared = new InMemoryStateStore();
    const first = new CloserLease(shared, 5_000, 'a');
    const second = new CloserLease(shared, 5_000, 'b');
    await first.acquire(NOW);

    // Act: a's close failed.
    first.stepBack();
    const beforeItRunsOut = await second.acquire(NOW + 4_000);
    const formerHolderEarly = await first.acquire(NOW + 5_500);
    const takenOver = await second.acquire(NOW + 5_600);

    // Assess
    expect([beforeItRunsOut, formerHolderEarly, takenOver]).toEqual([false, false, true]);
  });
});

describe('createEngineProcessor, closing', () => {
  const perSecond = countedPerSecond({ partitions: 2 });

  it('closes in the process holding the lease only, unless told every process closes', async () => {
    // Prepare
    const store = new InMemoryStateStore();
    const closes: string[] = [];
    const engine = (name: string, closing?: 'every-process') =>
      createEngineProcessor(perSecond, { store, now: () => NOW, onClose: () => closes.push(name), closing });
    const [a, b, c] = [engine('a'), engine('b'), engine('c', 'every-process')];

    // Act
    for (const process of [a, b, c, a, b, c]) await process.afterBatch();

    // Assess
    expect(closes).toEqual(['a', 'c', 'a', 'c']);
  });
});
