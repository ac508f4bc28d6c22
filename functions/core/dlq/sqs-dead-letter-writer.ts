import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { clientOf, type ClientSource } from '../aws/client-source.js';
import { backoffDelay, sleep } from '../retry/backoff.js';
import { describeFailure, unconfirmedEntries, type UnconfirmedEntry } from '../sqs/send-message-batch-results.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import { offloadKey, serializeDeadLetter, toOffloadedDeadLetter, type DeadLetter, type PayloadLocation } from './envelope.js';
import { DeadLetterWriteError, DeadLetterWriteErrorReason, DeadLetterWriterConfigError, type DeadLetterFailure } from './errors.js';
import { storePayloads } from './offloaded-payload-client.js';

export type { DeadLetterWriter };

export interface SqsDeadLetterWriterProps {
  /** A client, or a factory called on the first send (see ClientSource). */
  readonly sqs: ClientSource<SQSClient>;
  /** The dead-letter queue; a URL ending in `.fifo` gets message group and deduplication ids. */
  readonly queueUrl: string;
  /**
   * S3 client (or a factory called on the first upload) and bucket for
   * payloads over maxMessageBytes. Set both or neither.
   * @default none: an oversized dead letter fails the write
   */
  readonly s3?: ClientSource<S3Client>;
  readonly offloadBucket?: string;
  /**
   * Largest message, and largest batch request, sent to SQS. 1024 to 1048576.
   * @default 262_144 (256 KiB, the SQS limit that every SQS-compatible endpoint accepts;
   * real SQS now takes up to 1 MiB)
   * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
   */
  readonly maxMessageBytes?: number;
  /** Attempts for entries SQS reports as failed (retryable only), at least 1. @default 5 */
  readonly maxAttempts?: number;
  /** Base delay for exponential backoff with full jitter. @default 50 ms */
  readonly baseDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

// Imported when first needed, not with this module: in a bundle a static
// import of the SDK loads it at cold start, and most containers never write
// a dead letter (ClientSource).
const sqsSdk = () => import('@aws-sdk/client-sqs');

const SQS_MAX_BATCH_ENTRIES = 10;
const SQS_MAX_MESSAGE_BYTES = 1_048_576;
const SQS_MAX_GROUP_ID_LENGTH = 128;
const DEFAULT_MAX_MESSAGE_BYTES = 262_144;
// Below this even a pointer with a short error message may not fit.
const MIN_MAX_MESSAGE_BYTES = 1024;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 50;
// Keeps a generous maxAttempts from sleeping past the Lambda timeout on one retry.
const MAX_DELAY_MS = 5_000;
// Bounded so a batch full of poison records does not open hundreds of sockets at once.
const SEND_CONCURRENCY = 4;

/** One dead letter on its way to SQS; `index` is its place in the write and doubles as the batch entry id. */
interface Outgoing {
  readonly index: number;
  readonly letter: DeadLetter;
  readonly entry: SendMessageBatchRequestEntry;
  readonly bytes: number;
}

type Unsent = UnconfirmedEntry<Outgoing>;

/**
 * Writes dead letters to an SQS queue, offloading oversized ones to S3.
 * Throws `DeadLetterWriteError` unless every letter was written, so the
 * invocation fails and the batch is retried rather than losing records.
 */
export class SqsDeadLetterWriter implements DeadLetterWriter {
  private readonly sqs: () => Promise<SQSClient>;
  private readonly queueUrl: string;
  private readonly fifo: boolean;
  private readonly offload: { readonly s3: () => Promise<S3Client>; readonly bucket: string } | undefined;
  private readonly maxMessageBytes: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  public constructor(props: SqsDeadLetterWriterProps) {
    if (props.queueUrl.length === 0) throw new DeadLetterWriterConfigError('SqsDeadLetterWriter: queueUrl must not be empty', 'queueUrl', props.queueUrl);
    if ((props.s3 === undefined) !== (props.offloadBucket === undefined) || props.offloadBucket === '') {
      const message = 'SqsDeadLetterWriter: s3 and offloadBucket must be set together (a non-empty bucket name)';
      throw new DeadLetterWriterConfigError(message, 'offloadBucket', props.offloadBucket);
    }
    const maxMessageBytes = props.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.maxMessageBytes = checkInteger('maxMessageBytes', maxMessageBytes, MIN_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES);
    const maxAttempts = props.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.maxAttempts = checkInteger('maxAttempts', maxAttempts, 1, Number.MAX_SAFE_INTEGER);
    this.baseDelayMs = props.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    if (!(this.baseDelayMs >= 0)) {
      throw new DeadLetterWriterConfigError(`SqsDeadLetterWriter: baseDelayMs must be 0 or more, got ${this.baseDelayMs}`, 'baseDelayMs', this.baseDelayMs);
    }
    this.sqs = clientOf(props.sqs);
    this.queueUrl = props.queueUrl;
    this.fifo = props.queueUrl.endsWith('.fifo');
    this.offload = props.s3 && props.offloadBucket ? { s3: clientOf(props.s3), bucket: props.offloadBucket } : undefined;
    this.sleep = props.sleep ?? sleep;
  }

  public async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const outgoing = await this.prepare(letters);
    await this.send(outgoing, letters.length);
  }

  /**
   * Turns letters into batch entries, storing oversized ones in S3 first so a
   * pointer never reaches the queue before its payload exists. Every check
   * that could fail runs before anything is sent, so these failures never
   * leave a partial write behind.
   */
  private async prepare(letters: readonly DeadLetter[]): Promise<Outgoing[]> {
    const outgoing = letters.map((letter, index) => this.outgoing(index, letter, serializeDeadLetter(letter)));
    const oversized = outgoing.filter((item) => item.bytes > this.maxMessageBytes);
    if (oversized.length === 0) return outgoing;

    const total = letters.length;
    if (this.offload === undefined) {
      const count = oversized.length;
      throw tooLarge(total, `${count} exceed ${this.maxMessageBytes} bytes and no offload bucket is configured`);
    }
    const { s3, bucket } = this.offload;
    const uploads = oversized.map((item) => {
      const body = item.entry.MessageBody ?? '';
      const bytes = Buffer.byteLength(body, 'utf8');
      const location: PayloadLocation = { bucket, key: offloadKey(item.letter), bytes };
      const pointerBody = serializeDeadLetter(toOffloadedDeadLetter(item.letter, location));
      const pointer = this.outgoing(item.index, item.letter, pointerBody);
      return { body, location, pointer };
    });
    const stillTooLarge = uploads.filter((upload) => upload.pointer.bytes > this.maxMessageBytes);
    if (stillTooLarge.length > 0) {
      throw tooLarge(total, `${stillTooLarge.length} still exceed ${this.maxMessageBytes} bytes as offloaded pointers`);
    }

    const rejected = await storePayloads(s3, bucket, uploads.map(({ body, location }) => ({ key: location.key, body })));
    if (rejected.length > 0) {
      throw writeError({
        reason: DeadLetterWriteErrorReason.OFFLOAD_FAILED,
        unsentCount: total,
        totalCount: total,
        summary: `None of ${total} dead letter(s) were written; ${rejected.length} could not be stored in ${bucket}`,
        firstFailure: describeFailure(rejected[0]),
        cause: rejected[0],
      });
    }

    const pointers = new Map(uploads.map((upload) => [upload.pointer.index, upload.pointer]));
    return outgoing.map((item) => pointers.get(item.index) ?? item);
  }

  /** Sends everything, retrying only the entries SQS reports as retryable failures. */
  private async send(outgoing: readonly Outgoing[], total: number): Promise<void> {
    const givenUp: Unsent[] = [];
    let pending = outgoing;
    for (let attempt = 1; ; attempt++) {
      const pass = await this.sendPass(pending);
      const retryable = pass.unsent.filter((unsent) => unsent.retryable);
      givenUp.push(...pass.unsent.filter((unsent) => !unsent.retryable));
      if (pass.requestError !== undefined || retryable.length === 0 || attempt >= this.maxAttempts) {
        const unsent = [...givenUp, ...retryable];
        const first = unsent[0];
        if (first === undefined) return;
        throw writeError({
          reason: DeadLetterWriteErrorReason.SEND_FAILED,
          unsentCount: unsent.length,
          totalCount: total,
          summary: `${unsent.length} of ${total} dead letter(s) were not written to ${this.queueUrl} after ${attempt} attempt(s)`,
          firstFailure: pass.requestError === undefined ? first.failure : describeFailure(pass.requestError.error),
          cause: pass.requestError?.error,
        });
      }
      await this.sleep(backoffDelay(attempt, { baseMs: this.baseDelayMs, capMs: MAX_DELAY_MS }));
      pending = retryable.map((unsent) => unsent.item);
    }
  }

  /**
   * One pass over `items`. A request that throws has already been retried by
   * the SDK, so no new requests are started after one; every entry not
   * confirmed by SQS is reported back as unsent.
   */
  private async sendPass(items: readonly Outgoing[]): Promise<{ unsent: Unsent[]; requestError?: { error: unknown } }> {
    const batches = toBatches(items, this.maxMessageBytes);
    const unsent: Unsent[] = [];
    let requestError: { error: unknown } | undefined;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (requestError === undefined && next < batches.length) {
        const batch = batches[next++] ?? [];
        try {
          const [sqs, { SendMessageBatchCommand }] = await Promise.all([this.sqs(), sqsSdk()]);
          const output = await sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((item) => item.entry) }));
          unsent.push(...unconfirmedEntries(batch, output));
        } catch (error) {
          requestError ??= { error };
          const failure = describeFailure(error);
          unsent.push(...batch.map((item) => ({ item, failure, retryable: false })));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, batches.length) }, worker));
    if (requestError !== undefined) {
      const failure = describeFailure(requestError.error);
      const notStarted = batches.slice(next).flat();
      unsent.push(...notStarted.map((item) => ({ item, failure, retryable: false })));
    }
    return requestError === undefined ? { unsent } : { unsent, requestError };
  }

  private outgoing(index: number, letter: DeadLetter, body: string): Outgoing {
    const attributes: Record<string, MessageAttributeValue> = {};
    // SQS rejects empty attribute values; an empty processor or topic is simply not filterable.
    const values = { reason: letter.reason, processor: letter.processor, topic: letter.topic };
    for (const [name, value] of Object.entries(values)) {
      if (value.length > 0) attributes[name] = { DataType: 'String', StringValue: value };
    }
    const entry: SendMessageBatchRequestEntry = {
      Id: String(index),
      MessageBody: body,
      MessageAttributes: attributes,
      ...(this.fifo ? { MessageGroupId: messageGroupId(letter), MessageDeduplicationId: deduplicationId(letter) } : {}),
    };
    return { index, letter, entry, bytes: messageBytes(body, attributes) };
  }
}

/** Greedy, order-preserving groups of at most 10 entries whose sizes stay within the batch limit. */
function toBatches(items: readonly Outgoing[], maxBytes: number): Outgoing[][] {
  const batches: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (current.length === SQS_MAX_BATCH_ENTRIES || (current.length > 0 && currentBytes + item.bytes > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}


/** Size as SQS counts it: the body plus each attribute's name, type and value. */
function messageBytes(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    bytes += Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return bytes;
}

/** One group per partition keeps a partition's dead letters in order; long topic names are hashed to fit. */
function messageGroupId(letter: DeadLetter): string {
  const groupId = `${letter.topic}-${letter.partition}`;
  return groupId.length <= SQS_MAX_GROUP_ID_LENGTH ? groupId : `${sha256(letter.topic)}-${letter.partition}`;
}

/** The same record parked twice for the same reason (a retried batch) is deduplicated by SQS. */
function deduplicationId(letter: DeadLetter): string {
  return sha256(`${letter.processor}/${letter.topic}/${letter.partition}/${letter.offset}/${letter.reason}`);
}

function writeError(options: {
  reason: DeadLetterWriteErrorReason;
  unsentCount: number;
  totalCount: number;
  summary: string;
  firstFailure: DeadLetterFailure;
  cause?: unknown;
}): DeadLetterWriteError {
  const { summary, firstFailure, cause, ...rest } = options;
  return new DeadLetterWriteError(`${summary}: ${firstFailure.code}: ${firstFailure.message}`, {
    ...rest,
    firstFailure,
    ...(cause === undefined ? {} : { cause }),
  });
}

function tooLarge(total: number, message: string): DeadLetterWriteError {
  return writeError({
    reason: DeadLetterWriteErrorReason.PAYLOAD_TOO_LARGE,
    unsentCount: total,
    totalCount: total,
    summary: `None of ${total} dead letter(s) were written`,
    firstFailure: { code: 'PayloadTooLarge', message },
  });
}


function checkInteger(prop: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DeadLetterWriterConfigError(`SqsDeadLetterWriter: ${prop} must be an integer from ${min} to ${max}, got ${value}`, prop, value);
  }
  return value;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
