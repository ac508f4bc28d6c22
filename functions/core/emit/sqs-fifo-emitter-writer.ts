import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientSource } from '../aws/client-source.js';
import { SqsBatchSendError, SqsMessageTooLargeError } from '../sqs/errors.js';
import { batchWriterFor, type SqsBatchWriter } from '../sqs/sqs-batch-writer.js';
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

/**
 * Announces closed windows on an SQS FIFO queue, one message per emission,
 * with the emission's group and deduplication ids. Resolves only once SQS
 * accepted every emission; throws `WindowEmitError` otherwise, so the
 * window closer does not commit a close whose announcement is missing.
 *
 * Order within a message group holds even when SQS fails some entries of a
 * request: a request carries at most one emission per group, and requests
 * go one at a time, each retried until done before the next starts; the
 * first request that cannot be completed stops the emit (SqsBatchWriter's
 * preserveGroupOrder). The closer's next run re-sends everything.
 */
export class SqsFifoEmitter implements WindowEmitter {
  private readonly queueUrl: string;
  private readonly sender: SqsBatchWriter;

  public constructor(props: SqsFifoEmitterProps) {
    if (!props.queueUrl.endsWith('.fifo')) {
      throw new WindowEmitterConfigError(
        `SqsFifoEmitter: queueUrl must be a FIFO queue (ending in .fifo), because emissions rely on FIFO deduplication; got ${JSON.stringify(props.queueUrl)}`,
        'queueUrl',
        props.queueUrl,
      );
    }
    this.queueUrl = props.queueUrl;
    // The default request size limit is the one every SQS-compatible endpoint accepts.
    this.sender = batchWriterFor(
      { sqs: props.sqs, queueUrl: props.queueUrl, maxAttempts: props.maxAttempts, baseDelayMs: props.baseDelayMs, sleep: props.sleep, preserveGroupOrder: true },
      (error) => new WindowEmitterConfigError(`SqsFifoEmitter: ${error.detail}`, error.prop, error.value),
    );
  }

  public async emit(emissions: readonly WindowEmission[]): Promise<void> {
    const messages = emissions.map((emission) => ({
      MessageBody: emission.body,
      MessageGroupId: emission.groupId,
      MessageDeduplicationId: emission.deduplicationId,
    }));
    try {
      await this.sender.send(messages);
    } catch (error) {
      throw this.emitErrorOf(error, emissions);
    }
  }

  /** The batch writer's errors as this emitter's; anything else as it is. */
  private emitErrorOf(error: unknown, emissions: readonly WindowEmission[]): unknown {
    const total = emissions.length;
    if (error instanceof SqsMessageTooLargeError) {
      const first = error.oversized[0];
      const group = first === undefined ? '' : ` (group ${emissions[first.index]?.groupId}, ${first.bytes} bytes)`;
      const message = `${error.oversized.length} emission(s) exceed ${error.maxBytes} bytes; the first is #${first?.index}${group}`;
      return emitError(WindowEmitErrorReason.TOO_LARGE, total, total, `None of ${total} window emission(s) were sent`, { code: 'MessageTooLong', message });
    }
    if (error instanceof SqsBatchSendError) {
      const unsent = error.unsent.length;
      const summary = `${unsent} of ${total} window emission(s) were not sent to ${this.queueUrl} (a request stopped after ${error.attempts} attempt(s))`;
      return emitError(WindowEmitErrorReason.SEND_FAILED, unsent, total, summary, error.firstFailure, error.cause);
    }
    return error;
  }
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
    cause,
  });
}
