import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { isOffloaded, type DeadLetter, type OffloadedDeadLetter } from '../../../functions/core/dlq/envelope.js';
import { resolveDeadLetter } from '../../../functions/core/dlq/s3-offloaded-payloads.js';
import type { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import type { Progress } from '../ops/progress.js';
import { processorQueueUrl } from './processor-queue.js';
import { QueueLease, type LeasedMessage } from './queue-lease.js';
import { DlqQueue, readQueueMessage } from './queue-messages.js';
import { replayRecordOf, type ReplayProducer } from './replay-producer.js';

export interface ReplayOptions {
  /** Only dead letters of this reason; the others stay in the queue untouched. */
  readonly reason?: DeadLetterReason;
  /** List what would be replayed; produce nothing, delete nothing. */
  readonly dryRun?: boolean;
  /** Replay at most this many dead letters. */
  readonly limit?: number;
  /** Opened only for a real run. */
  readonly openProducer: () => Promise<ReplayProducer>;
  readonly progress?: Progress;
  /** How long a received letter stays invisible while it is replayed. @default 300 s */
  readonly visibilityTimeoutSeconds?: number;
}

/** A dead letter replayed (or, in a dry run, to be replayed). */
export interface ReplayedLetter {
  readonly messageId: string;
  readonly reason: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ReplayReport {
  readonly target: string;
  readonly processor: string;
  readonly queueUrl: string;
  readonly dryRun: boolean;
  readonly reason?: string;
  /** Produced, acknowledged and deleted (dry run: would be). */
  readonly replayed: readonly ReplayedLetter[];
  /** Letters for a record already replayed in this run (a record can be dead-lettered twice): deleted without producing it again. */
  readonly duplicatesDeleted: number;
  /** Left in the queue because their reason is not the one asked for. */
  readonly otherReasons: number;
  /** Left in the queue: the letter names another processor, or a topic that is not one of this processor's inputs. */
  readonly foreign: number;
  /** Left in the queue: not a dead letter at all. */
  readonly invalid: number;
  /** Left in the queue: an offloaded envelope that could not be read from S3. */
  readonly unresolved: readonly { readonly messageId: string; readonly error: string }[];
  /** Produced, but SQS did not confirm the delete: the next replay produces them again. */
  readonly notDeleted: number;
  /** Offloaded envelopes that stay in S3 after their letter was deleted (the bucket's lifecycle removes them). */
  readonly payloadsLeft: number;
  /** Why the run stopped early, if it did; nothing of the failed send was deleted. */
  readonly error?: string;
}

interface Candidate {
  readonly leased: LeasedMessage;
  readonly letter: DeadLetter | OffloadedDeadLetter;
}

/**
 * Writes dead letters back to their source topic, and deletes each one only
 * after its produce is acknowledged by all in-sync replicas. A crash (or a
 * failed delete) between the two leaves the letter in the queue, so the next
 * replay produces that record again: the guarantee is at least once into
 * Kafka, and exactly once into state only for a processor that deduplicates
 * by event id (see docs/runbooks/dlq-growing.md). Letters it does not replay
 * are released at the end, visible again as before.
 */
export async function replayDeadLetters(target: PipelineTarget, processor: string, options: ReplayOptions): Promise<ReplayReport> {
  const resources = target.processor(processor);
  const inputTopics = new Set(resources.inputs.map((input) => input.topic));
  const queueUrl = await processorQueueUrl(target, processor, DlqQueue.DEAD_LETTERS);
  const lease = new QueueLease(target.sqs, queueUrl, { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 300 });
  const dryRun = options.dryRun === true;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const replayed: ReplayedLetter[] = [];
  const unresolved: { messageId: string; error: string }[] = [];
  const done = new Set<string>();
  let duplicatesDeleted = 0;
  let otherReasons = 0;
  let foreign = 0;
  let invalid = 0;
  let notDeleted = 0;
  let payloadsLeft = 0;
  let error: string | undefined;

  options.progress?.total((await lease.depth()).visible);
  const producer = dryRun ? undefined : await options.openProducer();
  try {
    pages: while (replayed.length < limit) {
      const page = await lease.nextPage();
      if (page.length === 0) break;
      const candidates: Candidate[] = [];
      for (const leased of page) {
        const message = readQueueMessage(leased.body, DlqQueue.DEAD_LETTERS);
        if (message.kind !== 'dead-letter') invalid += 1;
        else if (options.reason !== undefined && message.letter.reason !== options.reason) otherReasons += 1;
        else if (message.letter.processor !== processor || !inputTopics.has(message.letter.topic)) foreign += 1;
        else candidates.push({ leased, letter: message.letter });
      }
      options.progress?.tick(page.length - candidates.length);
      candidates.sort((a, b) => a.letter.topic.localeCompare(b.letter.topic) || a.letter.partition - b.letter.partition || a.letter.offset - b.letter.offset);
      const chosen = candidates.slice(0, Math.max(0, limit - replayed.length));

      if (producer === undefined) {
        replayed.push(...chosen.map(describe));
        options.progress?.tick(chosen.length);
        continue;
      }
      for (const group of byTopicPartition(chosen)) {
        const resolved: { candidate: Candidate; full: DeadLetter }[] = [];
        for (const candidate of group) {
          try {
            resolved.push({ candidate, full: await resolveDeadLetter(candidate.leased.body, target.s3) });
          } catch (cause) {
            unresolved.push({ messageId: candidate.leased.messageId, error: (cause as Error).message });
          }
        }
        const fresh = resolved.filter(({ full }) => !done.has(recordId(full)));
        try {
          await producer.send(fresh.map(({ full }) => replayRecordOf(full)));
        } catch (cause) {
          error = `Producing to ${group[0]?.letter.topic ?? '?'} partition ${group[0]?.letter.partition ?? '?'} failed: ${(cause as Error).message}`;
          break pages;
        }
        // Only now, with the records acknowledged, may the letters go.
        for (const { full } of fresh) done.add(recordId(full));
        const failed = new Set(await lease.delete(resolved.map(({ candidate }) => candidate.leased)));
        for (const { candidate } of resolved) {
          if (failed.has(candidate.leased.messageId)) {
            notDeleted += 1;
            continue;
          }
          if (fresh.some((f) => f.candidate === candidate)) replayed.push(describe(candidate));
          else duplicatesDeleted += 1;
          if (isOffloaded(candidate.letter) && !(await deletePayload(target, candidate.letter))) payloadsLeft += 1;
        }
        options.progress?.tick(group.length);
      }
    }
  } finally {
    options.progress?.stop();
    await lease.releaseAll();
    await producer?.close().catch(() => undefined);
  }
  return {
    target: target.label,
    processor,
    queueUrl,
    dryRun,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    replayed,
    duplicatesDeleted,
    otherReasons,
    foreign,
    invalid,
    unresolved,
    notDeleted,
    payloadsLeft,
    ...(error === undefined ? {} : { error }),
  };
}

function describe({ leased, letter }: Candidate): ReplayedLetter {
  return { messageId: leased.messageId, reason: letter.reason, topic: letter.topic, partition: letter.partition, offset: letter.offset };
}

function recordId(letter: { topic: string; partition: number; offset: number }): string {
  return `${letter.topic}/${letter.partition}/${letter.offset}`;
}

/** Consecutive runs of one topic-partition (the input is sorted), in order. */
function byTopicPartition(candidates: readonly Candidate[]): Candidate[][] {
  const groups: Candidate[][] = [];
  for (const candidate of candidates) {
    const last = groups[groups.length - 1];
    const head = last?.[0];
    if (last !== undefined && head !== undefined && head.letter.topic === candidate.letter.topic && head.letter.partition === candidate.letter.partition) {
      last.push(candidate);
    } else {
      groups.push([candidate]);
    }
  }
  return groups;
}

/** The offloaded envelope of a deleted letter: nothing points at it any more. */
async function deletePayload(target: PipelineTarget, letter: OffloadedDeadLetter): Promise<boolean> {
  try {
    await target.s3.send(new DeleteObjectCommand({ Bucket: letter.payloadLocation.bucket, Key: letter.payloadLocation.key }));
    return true;
  } catch {
    return false;
  }
}
