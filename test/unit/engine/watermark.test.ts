import { describe, expect, it } from 'vitest';
import { NO_WATERMARK, partitionWatermark, processorWatermark } from '../../../functions/core/engine/watermark.js';
import type { CheckpointBody } from '../../../functions/core/state/state-items.js';

const STARTED_AT = 1_800_000_000_000;
const IDLE_MS = 60_000;

function definition(partitions: number, watermark: { outOfOrdernessMs?: number; idleTimeoutMs?: number } = {}) {
  return { input: { topics: [{ name: 'sales', partitions }] }, watermark };
}

function heard(partition: number, maxEventTime: number | null, lastActivityAt = STARTED_AT, topic = 'sales'): CheckpointBody {
  return { kind: 'checkpoint', topic, partition, offset: 0, maxEventTime, lastActivityAt };
}

describe('partitionWatermark', () => {
  it('is the newest event time less the allowed out-of-orderness, less 1, as Flink\'s bounded out-of-orderness watermark', () => {
    // Prepare / Act / Assess
    expect(partitionWatermark(10_000, 300)).toBe(9_699);
  });

  it('holds everything back before the partition has seen an event time', () => {
    // Prepare / Act / Assess
    expect(partitionWatermark(null, 300)).toBe(NO_WATERMARK);
  });
});

describe('processorWatermark', () => {
  it('takes the minimum over the declared partitions', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000), heard(1, 2_000), heard(2, 9_000)];

    // Act
    const watermark = processorWatermark(definition(3), checkpoints, STARTED_AT, STARTED_AT + 1);

    // Assess
    expect(watermark).toBe(1_999);
  });

  it('subtracts the out-of-orderness from every partition', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000), heard(1, 2_000)];

    // Act
    const watermark = processorWatermark(definition(2, { outOfOrdernessMs: 300 }), checkpoints, STARTED_AT, STARTED_AT + 1);

    // Assess
    expect(watermark).toBe(1_699);
  });

  it('holds the watermark at -Infinity while a declared partition was never heard from and no idle timeout is set', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000)];

    // Act
    const watermark = processorWatermark(definition(2), checkpoints, STARTED_AT, STARTED_AT + 365 * 86_400_000);

    // Assess
    expect(watermark).toBe(Number.NEGATIVE_INFINITY);
  });

  it('holds the watermark at -Infinity for a never-heard partition until the idle timeout has passed since the start', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000, STARTED_AT + IDLE_MS)];
    const idle = definition(2, { idleTimeoutMs: IDLE_MS });

    // Act
    const atTimeout = processorWatermark(idle, checkpoints, STARTED_AT, STARTED_AT + IDLE_MS);
    const afterTimeout = processorWatermark(idle, checkpoints, STARTED_AT, STARTED_AT + IDLE_MS + 1);

    // Assess
    expect(atTimeout).toBe(Number.NEGATIVE_INFINITY);
    expect(afterTimeout).toBe(4_999);
  });

  it('never counts a never-heard partition as idle when the start is unknown', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000)];

    // Act
    const watermark = processorWatermark(definition(2, { idleTimeoutMs: IDLE_MS }), checkpoints, undefined, STARTED_AT + 10 * IDLE_MS);

    // Assess
    expect(watermark).toBe(Number.NEGATIVE_INFINITY);
  });

  it('excludes a partition without a commit for longer than the idle timeout', () => {
    // Prepare
    const now = STARTED_AT + 10 * IDLE_MS;
    const checkpoints = [heard(0, 9_000, now - 1_000), heard(1, 2_000, now - IDLE_MS - 1), heard(2, 7_000, now - IDLE_MS)];

    // Act
    const watermark = processorWatermark(definition(3, { idleTimeoutMs: IDLE_MS }), checkpoints, STARTED_AT, now);

    // Assess
    expect(watermark).toBe(6_999);
  });

  it('lets the newest partition decide when every partition is idle', () => {
    // Prepare
    const now = STARTED_AT + 10 * IDLE_MS;
    const checkpoints = [heard(0, 9_000, STARTED_AT), heard(1, 2_000, STARTED_AT)];

    // Act
    const watermark = processorWatermark(definition(3, { idleTimeoutMs: IDLE_MS, outOfOrdernessMs: 100 }), checkpoints, STARTED_AT, now);

    // Assess
    expect(watermark).toBe(8_899);
  });

  it('ignores checkpoints of partitions and topics the definition does not declare', () => {
    // Prepare
    const checkpoints = [heard(0, 5_000), heard(7, 1_000), heard(0, 100, STARTED_AT, 'other-topic')];

    // Act
    const watermark = processorWatermark(definition(1), checkpoints, STARTED_AT, STARTED_AT + 1);

    // Assess
    expect(watermark).toBe(4_999);
  });

  it('takes the minimum across several topics', () => {
    // Prepare
    const twoTopics = { input: { topics: [{ name: 'sales', partitions: 1 }, { name: 'returns', partitions: 1 }] } };
    const checkpoints = [heard(0, 5_000), heard(0, 3_000, STARTED_AT, 'returns')];

    // Act
    const watermark = processorWatermark(twoTopics, checkpoints, STARTED_AT, STARTED_AT + 1);

    // Assess
    expect(watermark).toBe(2_999);
  });
});
