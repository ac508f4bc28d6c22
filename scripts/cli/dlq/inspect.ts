import { resolveDeadLetter } from '../../../functions/core/dlq/s3-offloaded-payloads.js';
import { isOffloaded } from '../../../functions/core/dlq/envelope.js';
import { CachedSchemaRegistry } from '../../../functions/core/serde/cached-schema-registry.js';
import { GlueSchemaRegistryClient } from '../../../functions/core/serde/glue-schema-registry-client.js';
import { RecordDecoder } from '../../../functions/core/serde/record-decoder.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import type { Progress } from '../ops/progress.js';
import { processorQueueUrl } from './processor-queue.js';
import { QueueLease, type QueueDepth } from './queue-lease.js';
import { readQueueMessage, type DlqQueue, type OnFailureEntry, type QueueMessage } from './queue-messages.js';
import { printHeaders, printKey, printValue, type PrintedValue } from './sample-decoder.js';

export interface InspectOptions {
  readonly queue: DlqQueue;
  /** Sample messages to show in full. */
  readonly samples: number;
  /** Messages read at most; counts are partial past it. @default 10 000 */
  readonly maxMessages?: number;
  readonly progress?: Progress;
}

export interface DeadLetterSample {
  readonly kind: 'dead-letter';
  readonly messageId: string;
  readonly reason: string;
  readonly error: { readonly name: string; readonly message: string };
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The record's Kafka timestamp, ISO-8601. */
  readonly timestamp: string;
  readonly failedAt: string;
  readonly schemaVersionId?: string;
  /** Where the full envelope was fetched from, for an offloaded letter. */
  readonly payloadLocation?: string;
  readonly key?: ReturnType<typeof printKey>;
  readonly headers?: Record<string, string | string[]>;
  readonly value?: PrintedValue;
  /** Set when an offloaded envelope could not be fetched; key, value and headers are then absent. */
  readonly resolveError?: string;
}

export interface OnFailureSample extends OnFailureEntry {
  readonly kind: 'on-failure';
  readonly messageId: string;
}

export interface InvalidSample {
  readonly kind: 'invalid';
  readonly messageId: string;
  readonly error: string;
}

export type InspectSample = DeadLetterSample | OnFailureSample | InvalidSample;

export interface InspectReport {
  readonly target: string;
  readonly processor: string;
  readonly queue: DlqQueue;
  readonly queueUrl: string;
  /** SQS's approximate counts before the pass. */
  readonly depth: QueueDepth;
  /** Messages read in this pass. */
  readonly scanned: number;
  /** False when the pass stopped at maxMessages, or messages were in flight elsewhere: counts cover only what was read. */
  readonly complete: boolean;
  /** Dead letters: by reason; on-failure messages: by condition. Messages that are neither count as INVALID. */
  readonly byReason: Readonly<Record<string, number>>;
  /** Messages per topic (an on-failure message counts once for each topic it names). */
  readonly byTopic: Readonly<Record<string, number>>;
  /** Messages per `topic/partition`. */
  readonly byPartition: Readonly<Record<string, number>>;
  /** Dead letters whose envelope is in S3. */
  readonly offloaded: number;
  readonly samples: readonly InspectSample[];
}

const DEFAULT_MAX_MESSAGES = 10_000;
export const INVALID = 'INVALID';

/**
 * Reads a processor's queue without consuming it: every message is held
 * invisible for the pass, counted, and released at the end (also on error),
 * so the queue is as it was within a second of the command ending. Nothing
 * is deleted.
 */
export async function inspectQueue(target: PipelineTarget, processor: string, options: InspectOptions): Promise<InspectReport> {
  const queueUrl = await processorQueueUrl(target, processor, options.queue);
  const lease = new QueueLease(target.sqs, queueUrl);
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const byReason: Record<string, number> = {};
  const byTopic: Record<string, number> = {};
  const byPartition: Record<string, number> = {};
  const read: { messageId: string; body: string; message: QueueMessage }[] = [];
  let offloaded = 0;
  const depth = await lease.depth();
  options.progress?.total(depth.visible);
  try {
    while (read.length < maxMessages) {
      const page = await lease.nextPage();
      if (page.length === 0) break;
      for (const leased of page) {
        const message = readQueueMessage(leased.body, options.queue);
        read.push({ messageId: leased.messageId, body: leased.body, message });
        if (message.kind === 'invalid') increment(byReason, INVALID);
        if (message.kind === 'dead-letter') {
          const { letter } = message;
          increment(byReason, letter.reason);
          increment(byTopic, letter.topic);
          increment(byPartition, `${letter.topic}/${letter.partition}`);
          if (isOffloaded(letter)) offloaded += 1;
        }
        if (message.kind === 'on-failure') {
          increment(byReason, message.entry.condition);
          for (const topic of new Set(message.entry.ranges.map((r) => r.topic))) increment(byTopic, topic);
          for (const range of message.entry.ranges) increment(byPartition, `${range.topic}/${range.partition}`);
        }
      }
      options.progress?.tick(page.length);
    }
    const samples = await sampleMessages(target, pickSamples(read, options.samples));
    return {
      target: target.label,
      processor,
      queue: options.queue,
      queueUrl,
      depth,
      scanned: read.length,
      complete: read.length < maxMessages && depth.inFlight === 0,
      byReason: sortedByCount(byReason),
      byTopic: sortedByCount(byTopic),
      byPartition: sortedByCount(byPartition),
      offloaded,
      samples,
    };
  } finally {
    options.progress?.stop();
    await lease.releaseAll();
  }
}

/** Up to `count` messages, taking one of each reason in turn so that a rare reason is shown next to a common one. */
function pickSamples<T extends { message: QueueMessage }>(read: readonly T[], count: number): T[] {
  const groups = new Map<string, T[]>();
  for (const item of read) {
    const { message } = item;
    const group = message.kind === 'dead-letter' ? message.letter.reason : message.kind === 'on-failure' ? message.entry.condition : INVALID;
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  const picked: T[] = [];
  for (let round = 0; picked.length < count; round++) {
    const before = picked.length;
    for (const items of groups.values()) {
      const item = items[round];
      if (item !== undefined && picked.length < count) picked.push(item);
    }
    if (picked.length === before) break;
  }
  return picked;
}

async function sampleMessages(
  target: PipelineTarget,
  picked: readonly { messageId: string; body: string; message: QueueMessage }[],
): Promise<InspectSample[]> {
  if (picked.length === 0) return [];
  const decoder = new RecordDecoder({
    registry: new CachedSchemaRegistry(new GlueSchemaRegistryClient({ glue: target.glue, registryName: target.registryName })),
  });
  const samples: InspectSample[] = [];
  for (const { messageId, body, message } of picked) {
    if (message.kind === 'invalid') samples.push({ kind: 'invalid', messageId, error: message.error });
    if (message.kind === 'on-failure') samples.push({ kind: 'on-failure', messageId, ...message.entry });
    if (message.kind !== 'dead-letter') continue;
    const { letter } = message;
    const base: DeadLetterSample = {
      kind: 'dead-letter',
      messageId,
      reason: letter.reason,
      error: letter.error,
      topic: letter.topic,
      partition: letter.partition,
      offset: letter.offset,
      timestamp: new Date(letter.timestamp).toISOString(),
      failedAt: letter.failedAt,
      ...(letter.schemaVersionId === undefined ? {} : { schemaVersionId: letter.schemaVersionId }),
      ...(isOffloaded(letter) ? { payloadLocation: `s3://${letter.payloadLocation.bucket}/${letter.payloadLocation.key}` } : {}),
    };
    try {
      const full = await resolveDeadLetter(body, target.s3);
      samples.push({ ...base, key: printKey(full.key), headers: printHeaders(full.headers), value: await printValue(full, decoder) });
    } catch (error) {
      samples.push({ ...base, resolveError: (error as Error).message });
    }
  }
  return samples;
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function sortedByCount(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
}
