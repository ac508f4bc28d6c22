import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { ProcessorDefinition } from '../../functions/core/engine/definition.js';
import { ReferenceInputError, ReferenceInputErrorReason } from './errors.js';

/**
 * Which records of a planned stream are late, and for which window views,
 * worked out from the plan alone: what was sent, to which partition, in
 * which order, with which event time. It is an oracle for the demo's
 * reconciliation and the chaos verdict, so it shares no code with the
 * engine; it applies the rule as the README states it:
 * - a partition's watermark before a record is the newest event time of
 *   the records before it on that partition, less the out-of-orderness
 *   (nothing is late on a partition that has seen nothing);
 * - a fixed window [start, end) takes records until that watermark reaches
 *   end - 1 + the view's allowed lateness;
 * - a record is late for a view when every window the view would put it in
 *   is past that point. The newest of them ends last, so it decides.
 * A repeat of an event id already sent is a duplicate, dropped before
 * anything is judged, but its event time still moves its partition's
 * watermark, as every decoded record's does.
 */

export interface PlannedRecord {
  /** The event id: repeats share it. */
  readonly id: string;
  readonly partition: number;
  readonly eventTime: number;
}

/** A fixed (tumbling or hopping) window view, as the processor declares it. */
export interface FixedWindowRule {
  readonly view: string;
  readonly sizeMs: number;
  /** Equal to `sizeMs` for a tumbling window. */
  readonly slideMs: number;
  readonly allowedLatenessMs: number;
}

export interface LatenessRules {
  readonly outOfOrdernessMs: number;
  readonly views: readonly FixedWindowRule[];
}

/** The lateness rules a processor declares: its out-of-orderness and its window views. */
export function latenessRulesOf(definition: ProcessorDefinition): LatenessRules {
  const views: FixedWindowRule[] = [];
  for (const view of definition.views) {
    if (view.kind !== 'window') continue;
    const window = view.window;
    if (window.type === 'session') {
      throw new ReferenceInputError(`view '${view.name}' of ${definition.name} uses session windows; the planned-lateness oracle judges fixed windows only`, ReferenceInputErrorReason.INVALID_INPUT);
    }
    views.push({
      view: view.name,
      sizeMs: window.sizeMs,
      slideMs: window.type === 'hopping' ? window.slideMs : window.sizeMs,
      allowedLatenessMs: view.allowedLatenessMs ?? 0,
    });
  }
  return { outOfOrdernessMs: definition.watermark?.outOfOrdernessMs ?? 0, views };
}

/**
 * For each record of `stream` (in the order it was sent) that is late for
 * at least one view: its id and the views it is late for. On-time records
 * and repeats are absent.
 */
export function plannedLateness(stream: Iterable<PlannedRecord>, rules: LatenessRules): Map<string, string[]> {
  const newestByPartition = new Map<number, number>();
  const judged = new Set<string>();
  const late = new Map<string, string[]>();
  for (const record of stream) {
    const newest = newestByPartition.get(record.partition);
    newestByPartition.set(record.partition, newest === undefined ? record.eventTime : Math.max(newest, record.eventTime));
    if (judged.has(record.id)) continue;
    judged.add(record.id);
    if (newest === undefined) continue;
    // Flink's bounded out-of-orderness: a record exactly outOfOrdernessMs behind the newest is on time.
    const watermark = newest - rules.outOfOrdernessMs - 1;
    const missedBy = rules.views.filter((rule) => lastClosingWatermark(rule, record.eventTime) <= watermark).map((rule) => rule.view);
    if (missedBy.length > 0) late.set(record.id, missedBy);
  }
  return late;
}

/** The watermark at which the newest window of `rule` holding `eventTime` stops taking records. */
function lastClosingWatermark(rule: FixedWindowRule, eventTime: number): number {
  const newestStart = eventTime - (((eventTime % rule.slideMs) + rule.slideMs) % rule.slideMs);
  return newestStart + rule.sizeMs - 1 + rule.allowedLatenessMs;
}

/**
 * The partition a keyed record lands on when its producer leaves the choice
 * to the key: murmur2 of the key bytes, made positive, modulo the partition
 * count. That is the Java client's rule, which Kafka Connect (and so
 * Debezium) uses, and kafkajs's default partitioner reproduces it.
 */
const defaultPartitioner = Partitioners.DefaultPartitioner();
const metadataByCount = new Map<number, PartitionMetadata[]>();

export function keyPartition(key: string, partitions: number): number {
  let metadata = metadataByCount.get(partitions);
  if (metadata === undefined) {
    metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));
    metadataByCount.set(partitions, metadata);
  }
  return defaultPartitioner({ topic: 'any', partitionMetadata: metadata, message: { key, value: null } });
}
