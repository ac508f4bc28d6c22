import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { clientOf, type ClientSource } from '../aws/client-source.js';
import { backoffDelay, sleep } from '../retry/backoff.js';
import { isRetryableError } from '../retry/retryable-error.js';
import { DEFAULT_MAX_MESSAGE_BYTES, messageBytes, packBatches, SQS_MAX_MESSAGE_BYTES, type OutgoingEntry } from './batch-packing.js';
import { SqsBatchConfigError, SqsBatchSendError, SqsMessageTooLargeError } from './errors.js';
import { describeFailure, unconfirmedEntries, type SendFailure, type UnconfirmedEntry } from './send-message-batch-results.js';

/** A message to send: a batch entry without its id, which the writer assigns (its index, as a string). */
export type SqsMessage = Omit<SendMessageBatchRequestEntry, 'Id'>;

export interface SqsBatchWriterProps {
  /** A client, or a factory called on the first send (see ClientSource). */
  readonly sqs: ClientSource<SQSClient>;
  readonly queueUrl: string;
  /** Largest message, and largest request, 1 to 1048576. @default 262_144 (see DEFAULT_MAX_MESSAGE_BYTES) */
  readonly maxBatchBytes?: number;
  /** Attempts per request for entries that failed retryably (no sender fault, or a retryable error), at least 1. @default 5 */
  readonly maxAttempts?: number;
  /** Base delay for exponential backoff with full jitter. @default 50 ms */
  readonly baseDelayMs?: number;
  /** Requests in flight at once. @default 1 */
  readonly concurrency?: number;
  /**
   * Keeps each message group in order even when SQS fails some entries of a
   * request: a request carries at most one message per group, requests go
   * one at a time, each retried until done before the next starts, and the
   * send stops at the first request that cannot be completed.
   * Needs a concurrency of 1. @default false
   */
  readonly preserveGroupOrder?: boolean;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

// Imported on the first send, not with this module: in a bundle a static
// import of the SDK loads it at cold start, needed or not (ClientSource).
const sqsSdk = () => import('@aws-sdk/client-sqs');

const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 50;
// Keeps a generous maxAttempts from sleeping past the Lambda timeout on one retry.
const MAX_DELAY_MS = 5_000;
// Entries named in an error message; the error's `unsent` has them all.
const NAMED_IN_MESSAGE = 10;

type Unsent = UnconfirmedEntry<OutgoingEntry>;

/** What one send has found out so far, shared by its concurrent requests. */
interface Run {
  /** Entries given up on, in the order they were given up. */
  readonly unsent: Unsent[];
  /** The most attempts of a request that gave up entries. */
  attempts: number;
  /** The first request error that left entries unsent. */
  requestError?: { readonly error: unknown };
  /** Set once nothing more is to be sent: no new requests, no more retries. */
  stoppedBy?: SendFailure;
}

/** One request's answer: the entries it did not confirm and, when it threw, the error. */
interface RequestOutcome {
  readonly unsent: readonly Unsent[];
  readonly thrown?: { readonly error: unknown; readonly retryable: boolean };
}

/**
 * A batch writer for an owner that reports bad props as its own error
 * (named after the owner, as its props are), not as the writer's.
 */
export function batchWriterFor(props: SqsBatchWriterProps, asOwners: (error: SqsBatchConfigError) => Error): SqsBatchWriter {
  try {
    return new SqsBatchWriter(props);
  } catch (error) {
    if (!(error instanceof SqsBatchConfigError)) throw error;
    throw asOwners(error);
  }
}

/**
 * Sends messages to one SQS queue with SendMessageBatch: packs them into
 * requests by count and bytes (as SQS counts them), re-sends only the
 * entries that failed retryably, with exponential backoff, and resolves only
 * once SQS confirmed every message. Throws `SqsBatchSendError` naming the
 * messages that were not confirmed otherwise, and `SqsMessageTooLargeError`,
 * before sending anything, when a message could never fit a request.
 *
 * A request that throws is sent again only when the error is retryable
 * (throttling, transient or a server error); any other stops the send, as
 * it would fail the same way for every request.
 */
export class SqsBatchWriter {
  private readonly sqs: () => Promise<SQSClient>;
  private readonly queueUrl: string;
  private readonly maxBatchBytes: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly concurrency: number;
  private readonly preserveGroupOrder: boolean;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(props: SqsBatchWriterProps) {
    this.queueUrl = check('queueUrl', props.queueUrl, 'a non-empty queue URL', (url) => url.length > 0);
    this.maxBatchBytes = checkInteger('maxBatchBytes', props.maxBatchBytes ?? DEFAULT_MAX_MESSAGE_BYTES, 1, SQS_MAX_MESSAGE_BYTES);
    this.maxAttempts = checkInteger('maxAttempts', props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, 1, Number.MAX_SAFE_INTEGER);
    this.baseDelayMs = check('baseDelayMs', props.baseDelayMs ?? DEFAULT_BASE_DELAY_MS, '0 or more', (ms) => ms >= 0);
    this.preserveGroupOrder = props.preserveGroupOrder ?? false;
    const maxConcurrency = this.preserveGroupOrder ? 1 : Number.MAX_SAFE_INTEGER;
    this.concurrency = checkInteger('concurrency', props.concurrency ?? 1, 1, maxConcurrency);
    this.sqs = clientOf(props.sqs);
    this.sleep = props.sleep ?? sleep;
  }

  public async send(messages: readonly SqsMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const items = messages.map((message, index): OutgoingEntry => {
      const entry = { ...message, Id: String(index) };
      return { index, entry, bytes: messageBytes(entry) };
    });
    // Checked before anything is sent: SQS would refuse the whole request.
    const oversized = items.filter((item) => item.bytes > this.maxBatchBytes);
    if (oversized.length > 0) throw this.tooLarge(oversized);

    const batches = packBatches(items, { maxBytes: this.maxBatchBytes, onePerGroup: this.preserveGroupOrder });
    const run: Run = { unsent: [], attempts: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (run.stoppedBy === undefined && next < batches.length) await this.sendBatch(batches[next++] ?? [], run);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batches.length) }, worker));
    const failure = run.stoppedBy;
    // Never tried rather than refused, so they are not taken for the failure that matters.
    if (failure !== undefined) run.unsent.push(...batches.slice(next).flat().map((item) => ({ item, failure, retryable: true })));
    if (run.unsent.length > 0) throw this.sendError(run, messages.length);
  }

  /**
   * Sends one request's entries, re-sending those that failed retryably
   * until they are confirmed, the attempts run out or the send stopped.
   */
  private async sendBatch(batch: readonly OutgoingEntry[], run: Run): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.request(pending);
      const retry = this.settle(outcome, attempt, run);
      if (retry.length === 0) return;
      await this.sleep(backoffDelay(attempt, { baseMs: this.baseDelayMs, capMs: MAX_DELAY_MS }));
      if (run.stoppedBy !== undefined) return giveUp(run, retry, attempt, outcome);
      pending = retry.map((unsent) => unsent.item);
    }
  }

  /** Gives up on what cannot or may not be retried; returns the entries to send again. */
  private settle(outcome: RequestOutcome, attempt: number, run: Run): Unsent[] {
    const { unsent, thrown } = outcome;
    if (unsent.length === 0) return [];
    const refused = unsent.filter((u) => !u.retryable);
    const retryable = unsent.filter((u) => u.retryable);
    const exhausted = attempt >= this.maxAttempts || run.stoppedBy !== undefined;
    const stops = (thrown !== undefined && !thrown.retryable) || (this.preserveGroupOrder && (refused.length > 0 || exhausted));
    if (stops || exhausted) {
      giveUp(run, unsent, attempt, outcome);
      if (stops) run.stoppedBy ??= firstFailureOf(unsent, thrown);
      return [];
    }
    giveUp(run, refused, attempt, outcome);
    return retryable;
  }

  /** One SendMessageBatch; every entry it does not confirm comes back as unsent. */
  private async request(pending: readonly OutgoingEntry[]): Promise<RequestOutcome> {
    try {
      const [sqs, { SendMessageBatchCommand }] = await Promise.all([this.sqs(), sqsSdk()]);
      const output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map((item) => item.entry) }));
      return { unsent: unconfirmedEntries(pending, output) };
    } catch (error) {
      const failure = describeFailure(error);
      const retryable = isRetryableError(error);
      return { unsent: pending.map((item) => ({ item, failure, retryable })), thrown: { error, retryable } };
    }
  }

  private sendError(run: Run, total: number): SqsBatchSendError {
    const unsent = [...run.unsent].sort((a, b) => a.item.index - b.item.index).map((u) => ({ index: u.item.index, failure: u.failure }));
    const firstFailure = firstFailureOf(run.unsent, run.requestError);
    const named = unsent.slice(0, NAMED_IN_MESSAGE).map((u) => `#${u.index}`).join(', ') + (unsent.length > NAMED_IN_MESSAGE ? ', …' : '');
    const summary = `${unsent.length} of ${total} message(s) (${named}) were not sent to ${this.queueUrl} after ${run.attempts} attempt(s)`;
    return new SqsBatchSendError(`${summary}: ${firstFailure.code}: ${firstFailure.message}`, {
      unsent,
      totalCount: total,
      attempts: run.attempts,
      firstFailure,
      cause: run.requestError?.error,
    });
  }

  private tooLarge(oversized: readonly OutgoingEntry[]): SqsMessageTooLargeError {
    const first = oversized[0];
    const detail = first === undefined ? '' : `; the first is #${first.index} (${first.bytes} bytes)`;
    return new SqsMessageTooLargeError(
      `${oversized.length} message(s) exceed ${this.maxBatchBytes} bytes${detail}; nothing was sent to ${this.queueUrl}`,
      oversized.map((item) => ({ index: item.index, bytes: item.bytes })),
      this.maxBatchBytes,
    );
  }
}

function giveUp(run: Run, unsent: readonly Unsent[], attempt: number, outcome: RequestOutcome): void {
  if (unsent.length === 0) return;
  run.unsent.push(...unsent);
  run.attempts = Math.max(run.attempts, attempt);
  if (outcome.thrown !== undefined) run.requestError ??= { error: outcome.thrown.error };
}

/** The failure that matters most: a request error, else a refused entry (sender fault), else the first one. */
function firstFailureOf(unsent: readonly Unsent[], requestError: { readonly error: unknown } | undefined): SendFailure {
  if (requestError !== undefined) return describeFailure(requestError.error);
  const first = unsent.find((u) => !u.retryable) ?? unsent[0];
  return first?.failure ?? { code: 'Unknown', message: 'No failure was recorded' };
}

function checkInteger(prop: string, value: number, min: number, max: number): number {
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer of ${min} or more` : `an integer from ${min} to ${max}`;
  return check(prop, value, range, (n) => Number.isInteger(n) && n >= min && n <= max);
}

function check<T>(prop: string, value: T, requirement: string, valid: (value: T) => boolean): T {
  if (!valid(value)) throw new SqsBatchConfigError(prop, value, requirement);
  return value;
}
