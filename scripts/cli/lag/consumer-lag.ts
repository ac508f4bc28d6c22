import type { Admin, Kafka } from 'kafkajs';
import type { ProcessorInput } from '../../../lib/config/resource-names.js';
import { CliError } from '../cli-error.js';
import { firstUnconsumedTimestamps } from './record-timestamps.js';

/**
 * Consumer lag of one processor input, per partition: how far the group's
 * committed offset is behind the end of the log (offset lag), and how old
 * the first record it has not consumed is (time lag). Offset lag says how
 * much work is queued, time lag how late the results are; an alarm wants
 * the second, capacity planning the first.
 */

export interface PartitionLag {
  readonly partition: number;
  /** The group's committed offset: the next record it will read. Null when it has committed none. */
  readonly committedOffset: number | null;
  /** The log start offset: records below it were deleted by retention. */
  readonly startOffset: number;
  /** The high watermark: the offset the next record written will get. */
  readonly endOffset: number;
  /**
   * Records between the first one the group will read and the end. Without a
   * committed offset the group starts at the log start (a TRIM_HORIZON
   * mapping); a committed offset below the log start counts from the log
   * start, since the records before it are gone.
   */
  readonly offsetLag: number;
  /** Now minus the timestamp of the first unconsumed record; 0 without lag; null if that record could not be read. */
  readonly timeLagMs: number | null;
}

export interface InputLag {
  readonly processor: string;
  readonly topic: string;
  readonly consumerGroupId: string;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead (no such group), Unknown. */
  readonly groupState: string;
  readonly members: number;
  readonly partitions: readonly PartitionLag[];
  readonly totalOffsetLag: number;
  /** The largest time lag over the partitions; null if one with lag could not be read. */
  readonly maxTimeLagMs: number | null;
}

export interface MeasureLagOptions {
  /** The clock time lag is measured against. @default Date.now */
  readonly now?: () => number;
  /** How long to wait for the first unconsumed records. @default 10 000 ms */
  readonly timestampTimeoutMs?: number;
}

/** Lag of each input of `processor`, read with one admin client. */
export async function measureProcessorLag(
  kafka: Kafka,
  admin: Admin,
  processor: string,
  inputs: readonly ProcessorInput[],
  options: MeasureLagOptions = {},
): Promise<InputLag[]> {
  const groups = await describeGroups(admin, inputs.map((i) => i.consumerGroupId));
  const out: InputLag[] = [];
  for (const input of inputs) out.push(await measureInputLag(kafka, admin, processor, input, groups.get(input.consumerGroupId), options));
  return out;
}

async function measureInputLag(
  kafka: Kafka,
  admin: Admin,
  processor: string,
  input: ProcessorInput,
  group: { state: string; members: number } | undefined,
  options: MeasureLagOptions,
): Promise<InputLag> {
  const { topic, consumerGroupId } = input;
  const watermarks = await topicOffsets(admin, topic);
  const committed = await admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] });
  const committedByPartition = new Map((committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));

  const offsets = watermarks
    .map((w) => {
      const at = committedByPartition.get(w.partition);
      // kafkajs reports "no committed offset" as -1.
      const committedOffset = at === undefined || at < 0 ? null : at;
      const startOffset = Number(w.low);
      const endOffset = Number(w.high);
      const firstUnconsumed = Math.max(committedOffset ?? startOffset, startOffset);
      return { partition: w.partition, committedOffset, startOffset, endOffset, firstUnconsumed, offsetLag: Math.max(0, endOffset - firstUnconsumed) };
    })
    .sort((a, b) => a.partition - b.partition);

  const lagging = offsets.filter((o) => o.offsetLag > 0).map((o) => ({ partition: o.partition, offset: o.firstUnconsumed }));
  const timestamps = lagging.length === 0 ? new Map<number, number>() : await firstUnconsumedTimestamps(kafka, topic, lagging, options.timestampTimeoutMs ?? 10_000);
  const now = (options.now ?? Date.now)();

  const partitions: PartitionLag[] = offsets.map(({ firstUnconsumed: _, ...o }) => {
    const at = timestamps.get(o.partition);
    const timeLagMs = o.offsetLag === 0 ? 0 : at === undefined ? null : Math.max(0, now - at);
    return { ...o, timeLagMs };
  });
  const timeLags = partitions.map((p) => p.timeLagMs);
  return {
    processor,
    topic,
    consumerGroupId,
    groupState: group?.state ?? 'Unknown',
    members: group?.members ?? 0,
    partitions,
    totalOffsetLag: partitions.reduce((sum, p) => sum + p.offsetLag, 0),
    maxTimeLagMs: timeLags.includes(null) ? null : Math.max(0, ...(timeLags as number[])),
  };
}

async function topicOffsets(admin: Admin, topic: string): Promise<Array<{ partition: number; high: string; low: string }>> {
  try {
    return await admin.fetchTopicOffsets(topic);
  } catch (error) {
    throw new CliError(`Cannot read the offsets of topic '${topic}': ${(error as Error).message}. Does the topic exist (is the pipeline provisioned)?`);
  }
}

async function describeGroups(admin: Admin, groupIds: readonly string[]): Promise<Map<string, { state: string; members: number }>> {
  const unique = [...new Set(groupIds)];
  const { groups } = await admin.describeGroups(unique);
  return new Map(groups.map((g) => [g.groupId, { state: g.state, members: g.members.length }]));
}
