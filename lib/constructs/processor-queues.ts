import { Duration, type RemovalPolicy, aws_sqs as sqs, type aws_kms as kms } from 'aws-cdk-lib';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { ConstructPropsError } from '../errors.js';

export interface ProcessorQueuesProps {
  /** Prefix of every queue name, `<env>-<processor>`. */
  readonly namePrefix: string;
  /** The customer managed key every queue is encrypted with. */
  readonly encryptionKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /**
   * How long a dead letter waits to be inspected or replayed.
   * @default Duration.days(14), the SQS maximum
   */
  readonly retentionPeriod?: Duration;
  /**
   * Receives of an alert before it is parked in the alerts dead-letter queue.
   * @default 5
   */
  readonly alertsMaxReceiveCount?: number;
}

/** Why a dead-letter queue has no dead-letter queue of its own (cdk-nag AwsSolutions-SQS3). */
const IS_A_DEAD_LETTER_QUEUE =
  'This queue is itself a dead-letter queue: messages here are the end of the line, kept 14 days for inspection and replay, and its depth and growth are alarmed on.';

/**
 * The queues of one processor:
 * - `deadLetterQueue`: poison records the handler parks (DEAD_LETTER_QUEUE_URL);
 * - `onFailureQueue`: batches the event source mapping gave up on after its retries;
 * - `alertsQueue`: FIFO queue of closed windows and alerts (EMIT_QUEUE_URL), with
 *   content-based deduplication off because the engine sets a deterministic
 *   deduplication id per window, and a FIFO dead-letter queue for its consumers.
 * Every queue is KMS-encrypted with the processor's key and refuses plain HTTP.
 */
export class ProcessorQueues extends Construct {
  public readonly deadLetterQueue: sqs.Queue;
  public readonly onFailureQueue: sqs.Queue;
  public readonly alertsQueue: sqs.Queue;
  public readonly alertsDeadLetterQueue: sqs.Queue;

  public constructor(scope: Construct, id: string, props: ProcessorQueuesProps) {
    super(scope, id);
    const alertsMaxReceiveCount = props.alertsMaxReceiveCount ?? 5;
    if (!Number.isInteger(alertsMaxReceiveCount) || alertsMaxReceiveCount < 1 || alertsMaxReceiveCount > 1000) {
      throw new ConstructPropsError(`ProcessorQueues: alertsMaxReceiveCount must be an integer from 1 to 1000, got ${alertsMaxReceiveCount}`);
    }
    const common = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod ?? Duration.days(14),
      removalPolicy: props.removalPolicy,
    };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', { ...common, queueName: `${props.namePrefix}-dead-letters` });
    this.onFailureQueue = new sqs.Queue(this, 'OnFailureQueue', { ...common, queueName: `${props.namePrefix}-on-failure` });
    this.alertsDeadLetterQueue = new sqs.Queue(this, 'AlertsDeadLetterQueue', {
      ...common,
      queueName: `${props.namePrefix}-alerts-dlq.fifo`,
      fifo: true,
    });
    this.alertsQueue = new sqs.Queue(this, 'AlertsQueue', {
      ...common,
      queueName: `${props.namePrefix}-alerts.fifo`,
      fifo: true,
      contentBasedDeduplication: false,
      deadLetterQueue: { queue: this.alertsDeadLetterQueue, maxReceiveCount: alertsMaxReceiveCount },
    });
    for (const queue of [this.deadLetterQueue, this.onFailureQueue, this.alertsDeadLetterQueue]) {
      NagSuppressions.addResourceSuppressions(queue, [{ id: 'AwsSolutions-SQS3', reason: IS_A_DEAD_LETTER_QUEUE }]);
    }
  }
}
