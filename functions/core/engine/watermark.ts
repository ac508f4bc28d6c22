import type { ProcessorDefinition } from './definition.js';
import type { CheckpointBody } from '../state/state-items.js';

/** Before any event time is seen, a partition's watermark holds everything back. */
export const NO_WATERMARK = Number.NEGATIVE_INFINITY;

/**
 * A partition's watermark: the newest event time it has seen, less the
 * allowed out-of-orderness, less 1. That is Flink's bounded-out-of-orderness
 * watermark: a watermark at t says no record at t or earlier is still to
 * come, so a record exactly `outOfOrdernessMs` behind the newest is on time.
 */
export function partitionWatermark(maxEventTime: number | null, outOfOrdernessMs: number): number {
  return maxEventTime === null ? NO_WATERMARK : maxEventTime - outOfOrdernessMs - 1;
}

/**
 * The processor's watermark: the minimum over its partitions that are not
 * idle. Every declared partition counts, including ones never heard from,
 * so a window cannot close before a slow partition had its say. A
 * partition without a commit for the idle timeout (or, if it never
 * committed, since the processor started) stops holding it back. When all
 * partitions are idle nothing more is coming, and the newest one decides.
 */
export function processorWatermark(
  definition: Pick<ProcessorDefinition<never>, 'input' | 'watermark'>,
  checkpoints: readonly CheckpointBody[],
  startedAt: number | undefined,
  now: number,
): number {
  const outOfOrderness = definition.watermark?.outOfOrdernessMs ?? 0;
  const idleTimeout = definition.watermark?.idleTimeoutMs;
  const byPartition = new Map(checkpoints.map((c) => [`${c.topic}#${c.partition}`, c]));
  let active = Number.POSITIVE_INFINITY;
  let newest = NO_WATERMARK;
  for (const topic of definition.input.topics) {
    for (let partition = 0; partition < topic.partitions; partition += 1) {
      const checkpoint = byPartition.get(`${topic.name}#${partition}`);
      const lastHeard = checkpoint?.lastActivityAt ?? startedAt;
      const idle = idleTimeout !== undefined && lastHeard !== undefined && now - lastHeard > idleTimeout;
      const watermark = partitionWatermark(checkpoint?.maxEventTime ?? null, outOfOrderness);
      newest = Math.max(newest, watermark);
      if (!idle) active = Math.min(active, watermark);
    }
  }
  return active === Number.POSITIVE_INFINITY ? newest : active;
}
