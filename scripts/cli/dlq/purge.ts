import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { CliError } from '../cli-error.js';
import type { PipelineTarget } from '../ops/pipeline-target.js';
import { processorQueueUrl } from './processor-queue.js';
import { QueueLease, type QueueDepth } from './queue-lease.js';
import { payloadLocationOf, readQueueMessage, type DlqQueue } from './queue-messages.js';

export interface PurgeOptions {
  readonly queue: DlqQueue;
  /** Asked with the queue's depth before anything is removed; false cancels. */
  readonly confirm: (depth: QueueDepth, queueUrl: string) => Promise<boolean>;
}

export interface PurgeReport {
  readonly target: string;
  readonly processor: string;
  readonly queue: DlqQueue;
  readonly queueUrl: string;
  readonly depth: QueueDepth;
  readonly purged: boolean;
  /** Offloaded envelopes of purged letters removed from S3. */
  readonly payloadsDeleted: number;
  /** Offloaded envelopes that could not be removed (left to the bucket's lifecycle expiry). */
  readonly payloadsLeft: number;
}

/**
 * Empties one of the processor's queues with PurgeQueue, after `confirm`.
 * A purged dead letter's offloaded envelope in S3 would otherwise outlive
 * the only pointer to it (and may hold personal data), so the queue is read
 * once first to collect those pointers and they are deleted after the purge.
 * A letter that arrives between that read and the purge is purged without
 * its payload being found; the bucket's lifecycle rule (14 days) removes it.
 */
export async function purgeQueue(target: PipelineTarget, processor: string, options: PurgeOptions): Promise<PurgeReport> {
  const queueUrl = await processorQueueUrl(target, processor, options.queue);
  const lease = new QueueLease(target.sqs, queueUrl, { visibilityTimeoutSeconds: 120 });
  const depth = await lease.depth();
  const base = { target: target.label, processor, queue: options.queue, queueUrl, depth };
  if (!(await options.confirm(depth, queueUrl))) return { ...base, purged: false, payloadsDeleted: 0, payloadsLeft: 0 };

  const payloads: { bucket: string; key: string }[] = [];
  try {
    for (let page = await lease.nextPage(); page.length > 0; page = await lease.nextPage()) {
      for (const leased of page) {
        const location = payloadLocationOf(readQueueMessage(leased.body, options.queue));
        if (location !== undefined) payloads.push(location);
      }
    }
    try {
      await target.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    } catch (error) {
      if ((error as Error).name === 'PurgeQueueInProgress') {
        throw new CliError(`A purge of ${queueUrl} is already under way (SQS allows one per 60 s); check the depth again in a minute`);
      }
      throw error;
    }
  } catch (error) {
    await lease.releaseAll();
    throw error;
  }
  let payloadsDeleted = 0;
  for (const { bucket, key } of payloads) {
    try {
      await target.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      payloadsDeleted += 1;
    } catch {
      // Left to the lifecycle rule; counted below.
    }
  }
  return { ...base, purged: true, payloadsDeleted, payloadsLeft: payloads.length - payloadsDeleted };
}
