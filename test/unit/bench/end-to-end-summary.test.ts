import { describe, expect, it } from 'vitest';
import { EndToEndError, summarise, type EndToEndObservations } from '../../../bench/end-to-end.js';
import type { InvokeLine } from '../../../scripts/lambda-emulator/run-processor.js';

function invoke(partitions: string[], latenciesMs: number[], result: InvokeLine['result'] = 'SUCCESS'): InvokeLine {
  return { type: 'invoke', functionName: 'f', requestId: 'r', invokeCount: 1, records: latenciesMs.length, partitions, durationMs: 1, result, latenciesMs };
}

/** 10 steps a second from t = 0: 10 warm-up steps, then 20 measured. */
function observations(overrides: Partial<EndToEndObservations> = {}): EndToEndObservations {
  return {
    ratePerSec: 10,
    warmUpSteps: 10,
    stepDoneAt: Array.from({ length: 30 }, (_, i) => (i + 1) * 100),
    invocations: [],
    orders: [],
    ordersTopic: 'orders',
    wallTimeMs: 60_000,
    ...overrides,
  };
}

describe('summarising an end-to-end run', () => {
  it('keeps only records stamped after the warm-up, and counts throughput from the window start to the last of them', () => {
    // Prepare: the window starts when step 10 returns, at 1 000 ms.
    const invocations = [
      { at: 1_100, line: invoke(['stock-movements-0@0..1'], [400, 500]) }, // stamped 700 and 600: warm-up
      { at: 1_500, line: invoke(['stock-movements-1@0..1'], [300, 600]) }, // 1 200 measured, 900 warm-up
      { at: 2_000, line: invoke(['stock-movements-2@0..0'], [999]) }, // 1 001 measured
      { at: 2_500, line: invoke(['orders-0@0..0'], [100], 'FUNCTION_ERROR') }, // not a success: nothing counted
      { at: 3_000, line: invoke(['stock-movements-0@2..3'], [200, 100]) },
    ];

    // Act
    const { figures, rows } = summarise(observations({ invocations }));

    // Assess: four samples (300, 999, 200, 100) over 2 s
    expect(figures.e2eLatencyMs).toEqual({ p50: 200, p95: 999, p99: 999 });
    expect(figures.throughputPerSec).toBe(2);
    expect(figures.produceRatePerSec).toBe(10);
    expect(figures.requestedProduceRatePerSec).toBe(10);
    expect(rows.find((r) => r.measure === 'produce rate achieved')?.ours).toBe('10 steps/s');
  });

  it('times orders from their Postgres commit to the success that covered their outbox record', () => {
    // Prepare
    const invocations = [
      { at: 1_600, line: invoke(['orders-2@4..6', 'stock-movements-2@4..6'], [100, 100, 100, 100, 100, 100]) },
      { at: 1_900, line: invoke(['orders-2@5..5'], [50]) }, // a redelivery: the first success counts
    ];
    const orders = [{ committedAt: 1_200, partition: 2, offset: 5, kafkaTimestamp: 1_450 }];

    // Act
    const { rows } = summarise(observations({ invocations, orders }));

    // Assess
    expect(rows.find((r) => r.measure === 'orders: Postgres commit → committed')?.ours).toBe('p50 400 ms, p95 400 ms, p99 400 ms');
    expect(rows.find((r) => r.measure === 'orders: Postgres commit → Kafka timestamp')?.ours).toBe('p50 250 ms, p95 250 ms, p99 250 ms');
  });

  it('says so when the processors fell behind or the producer did not hold its rate', () => {
    // Prepare: latency grows from 100 ms to 5 s over the window; the last step returns late (20 steps in 4 s)
    const stepDoneAt = [...Array.from({ length: 29 }, (_, i) => (i + 1) * 100), 5_000];
    const invocations = [
      { at: 1_200, line: invoke(['stock-movements-0@0..0'], [100]) },
      { at: 9_900, line: invoke(['stock-movements-0@1..1'], [5_000]) },
    ];

    // Act
    const { figures, method } = summarise(observations({ stepDoneAt, invocations }));

    // Assess: the figure is the rate held, not the rate asked
    expect(figures.produceRatePerSec).toBe(5);
    expect(figures.requestedProduceRatePerSec).toBe(10);
    expect(method.join('\n')).toMatch(/fell behind the produce rate \(median latency 100 ms in the window's first quarter, 5000 ms in its last\)/);
    expect(method.join('\n')).toMatch(/did not hold the rate asked \(5 of 10 steps\/s\)/);
  });

  it('refuses a run with nothing after the warm-up', () => {
    expect(() => summarise(observations({ stepDoneAt: [100, 200] }))).toThrow(EndToEndError);
  });
});
