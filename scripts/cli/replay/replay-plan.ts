import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { Admin } from 'kafkajs';
import type { ProcessorResources } from '../../../lib/config/resource-names.js';
import { CliError } from '../cli-error.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import { backoffDelay, sleep } from '../../../functions/core/retry/backoff.js';
import { baseLocalProcessorResources } from '../ops/processor-resources.js';
import { currentStateVersion, STATE_VERSIONS_PATH, versionedResources } from '../ops/state-versions.js';

/**
 * The plan of a Kappa-style replay: a new version of the processor's state,
 * built by a new consumer group from the first record at or after `from`,
 * while the current version keeps serving; then a switch.
 */

export interface PartitionStart {
  readonly partition: number;
  /** The first offset whose record is at or after `from`; the partition's end when none is. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** The log start: records below it were deleted by retention. */
  readonly logStartOffset: number;
  /** end - start: the records to reprocess on this partition, as of planning. */
  readonly records: number;
}

export interface InputPlan {
  readonly topic: string;
  readonly consumerGroupId: string;
  readonly partitions: readonly PartitionStart[];
}

export interface ReplayPlan {
  readonly target: string;
  readonly kind: 'local' | 'aws';
  readonly processor: string;
  readonly from: string;
  readonly fromMs: number;
  readonly currentVersion: number;
  readonly current: ProcessorResources;
  readonly newVersion: number;
  readonly next: ProcessorResources;
  readonly inputs: readonly InputPlan[];
  readonly records: number;
  /** Things the operator should know before saying yes. */
  readonly warnings: readonly string[];
}

export interface PlanOptions {
  /** @default the local stack's state-versions.json */
  readonly versionsPath?: string;
}

/** Reads offsets and existing resources; changes nothing. */
export async function planReplay(target: PipelineTarget, processor: string, fromMs: number, options: PlanOptions = {}): Promise<ReplayPlan> {
  const reported = target.processor(processor);
  // On AWS the versions are CDK configuration, not a local file: the deployed names are version 1.
  const currentVersion = target.kind === 'local' ? currentStateVersion(processor, options.versionsPath ?? STATE_VERSIONS_PATH) : 1;
  const newVersion = currentVersion + 1;
  // Every version's names derive from version 1's, read afresh here rather than from the target, which may predate the last switch.
  const base = target.kind === 'local' ? baseLocalProcessorResources(processor, reported.inputs.map((i) => i.topic)) : reported;
  const current = versionedResources(base, currentVersion);
  const next = versionedResources(base, newVersion);

  const admin = target.kafka.admin();
  await admin.connect();
  const inputs: InputPlan[] = [];
  try {
    for (const input of next.inputs) inputs.push({ ...input, partitions: await partitionStarts(admin, input.topic, fromMs) });
    await refuseUsedGroup(admin, next);
  } finally {
    await admin.disconnect();
  }
  if (target.kind === 'local') await refuseExistingTable(target, next.stateTableName);

  const warnings: string[] = [];
  for (const input of inputs) {
    for (const p of input.partitions) {
      if (p.logStartOffset > 0 && p.startOffset === p.logStartOffset) {
        warnings.push(
          `${input.topic} partition ${p.partition}: retention deleted offsets below ${p.logStartOffset}; if any of them was at or after --from it cannot be reprocessed, and the new version starts at the oldest record left`,
        );
      }
    }
  }
  warnings.push(`Records of the replayed range that fail again are dead-lettered again, to ${current.deadLetterQueueName}.`);
  if (processor === 'order-analytics') warnings.push('order-analytics emits alerts: the replay emits those of the replayed range again.');

  const records = inputs.reduce((sum, i) => sum + i.partitions.reduce((n, p) => n + p.records, 0), 0);
  return { target: target.label, kind: target.kind, processor, from: new Date(fromMs).toISOString(), fromMs, currentVersion, current, newVersion, next, inputs, records, warnings };
}

async function partitionStarts(admin: Admin, topic: string, fromMs: number): Promise<PartitionStart[]> {
  let watermarks: Array<{ partition: number; high: string; low: string }>;
  let starts: Array<{ partition: number; offset: string }>;
  try {
    watermarks = await whileRetriable(() => admin.fetchTopicOffsets(topic));
    // kafkajs answers the partition's end where no record is that new.
    starts = await whileRetriable(() => admin.fetchTopicOffsetsByTimestamp(topic, fromMs));
  } catch (error) {
    throw new CliError(`Cannot read the offsets of topic '${topic}': ${(error as Error).message}. Does the topic exist (is the pipeline provisioned)?`);
  }
  return watermarks
    .map((w) => {
      const endOffset = Number(w.high);
      const logStartOffset = Number(w.low);
      const at = starts.find((s) => s.partition === w.partition);
      const startOffset = Math.max(logStartOffset, Math.min(endOffset, at === undefined || Number(at.offset) < 0 ? endOffset : Number(at.offset)));
      return { partition: w.partition, startOffset, endOffset, logStartOffset, records: endOffset - startOffset };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** A group that already committed would resume from its offsets, not from `--from`: an earlier replay was left half done. */
async function refuseUsedGroup(admin: Admin, next: ProcessorResources): Promise<void> {
  for (const { topic, consumerGroupId } of next.inputs) {
    const committed = await whileRetriable(() => admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] }));
    if (committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0))) {
      throw new CliError(
        `Consumer group ${consumerGroupId} already has offsets on ${topic} (an earlier replay that did not switch?). ` +
          `Delete it first (kafka-consumer-groups.sh --bootstrap-server <brokers> --delete --group ${consumerGroupId}), and its table ${next.stateTableName} if it exists.`,
      );
    }
  }
}

async function refuseExistingTable(target: PipelineTarget, table: string): Promise<void> {
  try {
    await target.dynamodb.send(new DescribeTableCommand({ TableName: table }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') return;
    throw error;
  }
  throw new CliError(
    `Table ${table} already exists (an earlier replay that did not switch?). Delete it first (aws dynamodb delete-table --table-name ${table} --endpoint-url <DynamoDB Local>), and its consumer groups.`,
  );
}

/**
 * Retries what Kafka marks retriable (a coordinator still loading or moving
 * after a broker start), which kafkajs' admin passes through for group
 * offsets, for up to `limitMs`.
 */
async function whileRetriable<T>(call: () => Promise<T>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const delay = backoffDelay(attempt, { baseMs: 200, capMs: 2_000 });
      if ((error as { retriable?: unknown }).retriable !== true || Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}
