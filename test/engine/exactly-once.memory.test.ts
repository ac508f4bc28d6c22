import { describe, it } from 'vitest';
import { InMemoryStateStore } from '../../functions/core/state/in-memory-state-store.js';
import { checkExactlyOnce } from './harness/property.js';

const RUNS = 220;

describe('exactly-once, in-memory store', () => {
  it(`holds over ${RUNS} random streams with redeliveries, crashes after any store call, zombies, throttling and DLQ failures`, async () => {
    await checkExactlyOnce({
      suite: 'memory',
      runs: RUNS,
      maxRecords: 60,
      makeStore: () => {
        const store = new InMemoryStateStore();
        return Promise.resolve({ store, items: () => Promise.resolve(store.snapshot().map((i) => i.body)) });
      },
    });
  }, 600_000);
});
