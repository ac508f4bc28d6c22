import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A message received from a queue and held invisible until it is deleted or released. */
export interface LeasedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
}

export interface QueueLeaseOptions {
  /**
   * How long each received message stays invisible. It must outlast the
   * whole pass, or messages would come back before the pass ends: a message
   * seen again is recognised by its id and ends the pass.
   * @default 120 s
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling per receive; long polling asks every SQS server, so an empty answer means the queue has nothing visible. @default 1 s */
  readonly waitTimeSeconds?: number;
}

export interface QueueDepth {
  /** ApproximateNumberOfMessages: visible now. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received by someone and not yet deleted or released. */
  readonly inFlight: number;
}

const SQS_BATCH = 10;
const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 120;
const DEFAULT_WAIT_TIME_SECONDS = 1;

/**
 * Reads a queue without consuming it. ReceiveMessage with a visibility
 * timeout of 0 would hand the same messages out again on the next receive, so
 * counts would repeat some and miss others; instead every message received is
 * held invisible for the pass, and `releaseAll` makes the ones not deleted
 * visible again at once (ChangeMessageVisibility to 0). If the process dies,
 * the visibility timeout releases them anyway. Nothing here deletes unless
 * `delete` is called.
 */
export class QueueLease {
  private readonly held = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly visibilityTimeoutSeconds: number;
  private readonly waitTimeSeconds: number;
  private exhausted = false;

  public constructor(
    private readonly sqs: SQSClient,
    public readonly queueUrl: string,
    options: QueueLeaseOptions = {},
  ) {
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_TIMEOUT_SECONDS;
    this.waitTimeSeconds = options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_SECONDS;
  }

  /** The queue's approximate counts, as SQS reports them (seconds behind). */
  public async depth(): Promise<QueueDepth> {
    const { Attributes: attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  /** Up to 10 messages not seen before in this pass; empty once the queue has no more. */
  public async nextPage(): Promise<LeasedMessage[]> {
    if (this.exhausted) return [];
    const { Messages: messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: SQS_BATCH,
        VisibilityTimeout: this.visibilityTimeoutSeconds,
        WaitTimeSeconds: this.waitTimeSeconds,
      }),
    );
    const page: LeasedMessage[] = [];
    let repeated = false;
    for (const message of messages) {
      const leased = toLeased(message);
      if (leased === undefined) continue;
      // The newest receipt handle is the one SQS honours, also for a repeat.
      this.held.set(leased.messageId, leased.receiptHandle);
      if (this.seen.has(leased.messageId)) {
        repeated = true;
        continue;
      }
      this.seen.add(leased.messageId);
      page.push(leased);
    }
    // Empty, or a message already seen came back (its timeout ran out): the pass has gone round.
    if (messages.length === 0 || repeated) this.exhausted = true;
    return page;
  }

  /** Deletes messages for good; returns the ids SQS did not confirm (they stay held and are released later). */
  public async delete(messages: readonly LeasedMessage[]): Promise<string[]> {
    const failed: string[] = [];
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const chunk = messages.slice(start, start + SQS_BATCH);
      const output = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: this.held.get(m.messageId) ?? m.receiptHandle })),
        }),
      );
      const refused = new Set((output.Failed ?? []).map((f) => f.Id));
      chunk.forEach((m, i) => {
        if (refused.has(String(i))) failed.push(m.messageId);
        else this.held.delete(m.messageId);
      });
    }
    return failed;
  }

  /** Makes every message still held visible again now. Safe to call more than once. */
  public async releaseAll(): Promise<void> {
    const handles = [...this.held.values()];
    this.held.clear();
    for (let start = 0; start < handles.length; start += SQS_BATCH) {
      const chunk = handles.slice(start, start + SQS_BATCH);
      try {
        await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle, VisibilityTimeout: 0 })),
          }),
        );
      } catch {
        // Not fatal: the visibility timeout releases them a little later.
      }
    }
  }
}

function toLeased(message: Message): LeasedMessage | undefined {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) return undefined;
  return { messageId: message.MessageId, receiptHandle: message.ReceiptHandle, body: message.Body ?? '' };
}
