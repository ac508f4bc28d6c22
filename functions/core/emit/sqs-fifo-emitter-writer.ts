import type { SendMessageBatchRequestEntry, SendMessageBatchResult, SQSClient } from '@aws-sdk/client-sqs';
import { clientOf, type ClientSource } from '../aws/client-source.js';
import { backoffDelay, sleep } from '../retry/backoff.js';
import { describeFailure, unconfirmedEntries } from '../sqs/send-message-batch-results.js';
import { WindowEmitError, WindowEmitErrorReason, WindowEmitterConfigError, type WindowEmitFailure } from './errors.js';
import type { WindowEmission, WindowEmitter } from './window-emitter.js';

export interface SqsFifoEmitterProps {
  /** A client, or a factory called on the first send (see ClientSource). */
  readonly sqs: ClientSource<SQSClient>;
  /**
   * A FIFO queue (URL ending in `.fifo`): a retried close re-sends its
   * announcements, and only FIFO deduplication makes them arrive once.
   */
  readonly queueUrl: string;
  /** Attempts for entries SQS reports as failed without sender fault, at least 1. @default 5 */
  readonly maxAttempts?: number;
  /** Base delay for exponential backoff with full jitter. @default 50 ms */
  readonly baseDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

// Imported on the first send, not with this module: in a bundle a static
// import of the SDK loads it at cold start, needed or not (ClientSource).
const sqsSdk = () => import('@aws-sdk/client-sqs');

const SQS_MAX_BATCH_ENTRIES = 10;
/**
 * Largest message body, and largest sum of bodies in one request: the limit
 * every SQS-compatible endpoint accepts (real SQS now takes up to 1 MiB).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
const MAX_MESSAGE_BYTES = 262_144;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 50;
// Keeps a generous maxAttempts from sleeping past the Lambda timeout on one retry.
const MAX_DELAY_MS = 5_000;

/** One emission on its way to SQS; `index` is its place in the call and doubles as the batch entry id. */
interface Outgoing {
  readonly index: number;
  readonly entry: SendMessageBatchRequestEntry & { readonly MessageGroupId: string };
  readonly bytes: number;
}


/** What stopped a batch: how many of its entries are unconfirmed, and why. */
interface BatchFailure {
  readonly unsent: number;
  readonly attempts: number;
  readonly failure: WindowEmitFailure;
  readonly cause?: unknown;
}

/**
 * Announces closed windows on an SQS FIFO queue, one message per emission,
 * with the emission's group and deduplication ids. Resolves only once SQS
 * accepted every emission; throws `WindowEmitError` otherwise, so the
 * window closer does not commit a close whose announcement is missing.
 *
 * Order within a message group holds even when SQS fails some entries of a
 * request: a request carries at most one emission per group, and requests
 * go one at a time, each retried until done before the next starts.
 */
export class SqsFifoEmitter implements WindowEmitter {
  private readonly sqs: () => Promise<SQSClient>;
  private readonly queueUrl: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(props: SqsFifoEmitterProps) {
    if (!props.queueUrl.endsWith('.fifo')) {
      throw new WindowEmitterConfigError(
        `SqsFifoEmitter: queueUrl must be a FIFO queue (ending in .fifo), because emissions rely on FIFO deduplication; got ${JSON.stringify(props.queueUrl)}`,
        'queueUrl',
        props.queueUrl,
      );
    }
    const maxAttempts = props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new WindowEmitterConfigError(`SqsFifoEmitter: maxAttempts must be an integer of 1 or more, got ${maxAttempts}`, 'maxAttempts', maxAttempts);
    }
    const baseDelayMs = props.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    if (!(baseDelayMs >= 0)) {
      throw new WindowEmitterConfigError(`SqsFifoEmitter: baseDelayMs must be 0 or more, got ${baseDelayMs}`, 'baseDelayMs', baseDelayMs);
    }
    this.sqs = clientOf(props.sqs);
    this.queueUrl = props.queueUrl;
    this.maxAttempts = maxAttempts;
    this.baseDelayMs = baseDelayMs;
    this.sleep = props.sleep ?? sleep;
  }

  public async emit(emissions: readonly WindowEmission[]): Promise<void> {
    if (emissions.length === 0) return;
    const total = emissions.length;
    const outgoing = emissions.map((emission, index): Outgoing => ({
      index,
      entry: {
        Id: String(index),
        MessageBody: emission.body,
        MessageGroupId: emission.groupId,
        MessageDeduplicationId: emission.deduplicationId,
      },
      bytes: Buffer.byteLength(emission.body, 'utf8'),
    }));

    // Checked before anything is sent: a partial send would only be repeated by the closer's retry.
    const oversized = outgoing.filter((item) => item.bytes > MAX_MESSAGE_BYTES);
    const firstOversized = oversized[0];
    if (firstOversized !== undefined) {
      const message = `${oversized.length} emission(s) exceed ${MAX_MESSAGE_BYTES} bytes; the first is #${firstOversized.index} (group ${firstOversized.entry.MessageGroupId}, ${firstOversized.bytes} bytes)`;
      throw emitError(WindowEmitErrorReason.TOO_LARGE, total, total, `None of ${total} window emission(s) were sent`, { code: 'MessageTooLong', message });
    }

    const batches = toBatches(outgoing);
    let sent = 0;
    for (const batch of batches) {
      const failed = await this.sendBatch(batch);
      if (failed !== undefined) {
        const unsent = total - sent - (batch.length - failed.unsent);
        const summary = `${unsent} of ${total} window emission(s) were not sent to ${this.queueUrl} (a request stopped after ${failed.attempts} attempt(s))`;
        throw emitError(WindowEmitErrorReason.SEND_FAILED, unsent, total, summary, failed.failure, failed.cause);
      }
      sent += batch.length;
    }
  }

  /**
   * Sends one request's entries, re-sending those SQS failed without sender
   * fault (or did not mention). Stops at the first entry that cannot succeed,
   * or a request that throws (the SDK has already retried it): the emit
   * fails either way, and the closer's next run re-sends everything.
   */
  private async sendBatch(batch: readonly Outgoing[]): Promise<BatchFailure | undefined> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let output: SendMessageBatchResult;
      try {
        const [sqs, { SendMessageBatchCommand }] = await Promise.all([this.sqs(), sqsSdk()]);
        output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map((item) => item.entry) }));
      } catch (error) {
        return { unsent: pending.length, attempts: attempt, failure: describeFailure(error), cause: error };
      }
      const unsent = unconfirmedEntries(pending, output);
      const first = unsent.find((u) => !u.retryable) ?? unsent[0];
      if (first === undefined) return undefined;
      if (!first.retryable || attempt >= this.maxAttempts) return { unsent: unsent.length, attempts: attempt, failure: first.failure };
      await this.sleep(backoffDelay(attempt, { baseMs: this.baseDelayMs, capMs: MAX_DELAY_MS }));
      pending = unsent.map((u) => u.item);
    }
  }
}

/**
 * Requests of at most 10 entries and MAX_MESSAGE_BYTES, each holding at most
 * one emission per message group, a group's emissions in increasing
 * requests. Each emission takes the first request after its group's
 * previous one that has room, so other groups still fill the requests.
 */
function toBatches(items: readonly Outgoing[]): Outgoing[][] {
  const batches: Array<{ items: Outgoing[]; bytes: number }> = [];
  const lastBatchOfGroup = new Map<string, number>();
  for (const item of items) {
    const group = item.entry.MessageGroupId;
    let n = (lastBatchOfGroup.get(group) ?? -1) + 1;
    for (; n < batches.length; n++) {
      const batch = batches[n];
      if (batch !== undefined && batch.items.length < SQS_MAX_BATCH_ENTRIES && batch.bytes + item.bytes <= MAX_MESSAGE_BYTES) break;
    }
    const batch = batches[n] ?? { items: [], bytes: 0 };
    if (n === batches.length) batches.push(batch);
    batch.items.push(item);
    batch.bytes += item.bytes;
    lastBatchOfGroup.set(group, n);
  }
  return batches.map((batch) => batch.items);
}


function emitError(
  reason: WindowEmitErrorReason,
  unsentCount: number,
  totalCount: number,
  summary: string,
  firstFailure: WindowEmitFailure,
  cause?: unknown,
): WindowEmitError {
  return new WindowEmitError(`${summary}: ${firstFailure.code}: ${firstFailure.message}`, {
    reason,
    unsentCount,
    totalCount,
    firstFailure,
    ...(cause === undefined ? {} : { cause }),
  });
}

