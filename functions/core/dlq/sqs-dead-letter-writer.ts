import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { clientOf, type ClientSource } from '../aws/client-source.js';
import { DEFAULT_MAX_MESSAGE_BYTES, messageBytes, SQS_MAX_MESSAGE_BYTES } from '../sqs/batch-packing.js';
import { SqsBatchSendError, SqsMessageTooLargeError } from '../sqs/errors.js';
import { describeFailure } from '../sqs/send-message-batch-results.js';
import { batchWriterFor, type SqsBatchWriter, type SqsMessage } from '../sqs/sqs-batch-writer.js';
import type { DeadLetterWriter } from './dead-letter-writer.js';
import { offloadKey, serializeDeadLetter, toOffloadedDeadLetter, type DeadLetter } from './envelope.js';
import { DeadLetterWriteError, DeadLetterWriteErrorReason, DeadLetterWriterConfigError, type DeadLetterFailure } from './errors.js';
import { storePayloads, type OffloadedPayload } from './s3-offloaded-payloads.js';

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
  /**
   * Attempts per request for entries that failed retryably: SQS reported them
   * failed without sender fault, or the request threw a throttling, transient
   * or server error (on top of the SDK client's own retries). At least 1.
   * @default 5
   */
  readonly maxAttempts?: number;
  /** Base delay for exponential backoff with full jitter. @default 50 ms */
  readonly baseDelayMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const SQS_MAX_GROUP_ID_LENGTH = 128;
// Below this even a pointer with a short error message may not fit.
const MIN_MAX_MESSAGE_BYTES = 1024;
// Bounded so a batch full of poison records does not open hundreds of sockets at once.
const SEND_CONCURRENCY = 4;

/** One dead letter as an SQS message, and its size as SQS counts it. */
interface Outgoing {
  readonly letter: DeadLetter;
  readonly message: SqsMessage;
  readonly bytes: number;
}

/**
 * Writes dead letters to an SQS queue, offloading oversized ones to S3.
 * Throws `DeadLetterWriteError` unless every letter was written, so the
 * invocation fails and the batch is retried rather than losing records.
 */
export class SqsDeadLetterWriter implements DeadLetterWriter {
  private readonly queueUrl: string;
  private readonly fifo: boolean;
  private readonly offload: { readonly s3: () => Promise<S3Client>; readonly bucket: string } | undefined;
  private readonly maxMessageBytes: number;
  private readonly sender: SqsBatchWriter;

  public constructor(props: SqsDeadLetterWriterProps) {
    if ((props.s3 === undefined) !== (props.offloadBucket === undefined) || props.offloadBucket === '') {
      const message = 'SqsDeadLetterWriter: s3 and offloadBucket must be set together (a non-empty bucket name)';
      throw new DeadLetterWriterConfigError(message, 'offloadBucket', props.offloadBucket);
    }
    const maxMessageBytes = props.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < MIN_MAX_MESSAGE_BYTES || maxMessageBytes > SQS_MAX_MESSAGE_BYTES) {
      const message = `SqsDeadLetterWriter: maxMessageBytes must be an integer from ${MIN_MAX_MESSAGE_BYTES} to ${SQS_MAX_MESSAGE_BYTES}, got ${maxMessageBytes}`;
      throw new DeadLetterWriterConfigError(message, 'maxMessageBytes', maxMessageBytes);
    }
    this.maxMessageBytes = maxMessageBytes;
    this.queueUrl = props.queueUrl;
    this.fifo = props.queueUrl.endsWith('.fifo');
    this.offload = props.s3 && props.offloadBucket ? { s3: clientOf(props.s3), bucket: props.offloadBucket } : undefined;
    const { sqs, queueUrl, maxAttempts, baseDelayMs, sleep } = props;
    this.sender = batchWriterFor(
      { sqs, queueUrl, maxAttempts, baseDelayMs, sleep, maxBatchBytes: maxMessageBytes, concurrency: SEND_CONCURRENCY },
      (error) => new DeadLetterWriterConfigError(`SqsDeadLetterWriter: ${error.detail}`, error.prop, error.value),
    );
  }

  public async write(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const outgoing = await this.prepare(letters);
    try {
      await this.sender.send(outgoing.map((item) => item.message));
    } catch (error) {
      throw this.writeErrorOf(error, letters.length);
    }
  }

  /**
   * Turns letters into messages, storing oversized ones in S3 first so a
   * pointer never reaches the queue before its payload exists. Every check
   * that could fail runs before anything is sent, so these failures never
   * leave a partial write behind.
   */
  private async prepare(letters: readonly DeadLetter[]): Promise<Outgoing[]> {
    const outgoing = letters.map((letter) => this.outgoing(letter, serializeDeadLetter(letter)));
    const oversized = outgoing.filter((item) => item.bytes > this.maxMessageBytes);
    if (oversized.length === 0) return outgoing;
    const pointers = await this.offloadAll(oversized, letters.length);
    return outgoing.map((item) => pointers.get(item) ?? item);
  }

  /** Stores each oversized letter in S3; returns the pointer to send in its place. */
  private async offloadAll(oversized: readonly Outgoing[], total: number): Promise<Map<Outgoing, Outgoing>> {
    if (this.offload === undefined) {
      throw tooLarge(total, `${oversized.length} exceed ${this.maxMessageBytes} bytes and no offload bucket is configured`);
    }
    const { s3, bucket } = this.offload;
    const pointers = new Map<Outgoing, Outgoing>();
    const payloads: OffloadedPayload[] = [];
    for (const item of oversized) {
      const body = item.message.MessageBody ?? '';
      const location = { bucket, key: offloadKey(item.letter), bytes: Buffer.byteLength(body, 'utf8') };
      pointers.set(item, this.outgoing(item.letter, serializeDeadLetter(toOffloadedDeadLetter(item.letter, location))));
      payloads.push({ key: location.key, body });
    }
    const stillTooLarge = [...pointers.values()].filter((pointer) => pointer.bytes > this.maxMessageBytes);
    if (stillTooLarge.length > 0) {
      throw tooLarge(total, `${stillTooLarge.length} still exceed ${this.maxMessageBytes} bytes as offloaded pointers`);
    }

    const rejected = await storePayloads(s3, bucket, payloads);
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
    return pointers;
  }

  private outgoing(letter: DeadLetter, body: string): Outgoing {
    const attributes: Record<string, MessageAttributeValue> = {};
    // SQS rejects empty attribute values; an empty processor or topic is simply not filterable.
    const values = { reason: letter.reason, processor: letter.processor, topic: letter.topic };
    for (const [name, value] of Object.entries(values)) {
      if (value.length > 0) attributes[name] = { DataType: 'String', StringValue: value };
    }
    const message: SqsMessage = {
      MessageBody: body,
      MessageAttributes: attributes,
      ...(this.fifo ? { MessageGroupId: messageGroupId(letter), MessageDeduplicationId: deduplicationId(letter) } : {}),
    };
    return { letter, message, bytes: messageBytes(message) };
  }

  /** The batch writer's errors as this writer's; anything else as it is. */
  private writeErrorOf(error: unknown, total: number): unknown {
    if (error instanceof SqsMessageTooLargeError) return tooLarge(total, error.message);
    if (!(error instanceof SqsBatchSendError)) return error;
    const unsent = error.unsent.length;
    return writeError({
      reason: DeadLetterWriteErrorReason.SEND_FAILED,
      unsentCount: unsent,
      totalCount: total,
      summary: `${unsent} of ${total} dead letter(s) were not written to ${this.queueUrl} after ${error.attempts} attempt(s)`,
      firstFailure: error.firstFailure,
      cause: error.cause,
    });
  }
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
    cause,
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

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
