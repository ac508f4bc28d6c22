import { z } from 'zod';
import { isOffloaded, parseDeadLetter, type DeadLetter, type OffloadedDeadLetter } from '../../../functions/core/dlq/envelope.js';
import { InvalidDeadLetterError } from '../../../functions/core/dlq/errors.js';

/** The two queues of a processor that `rtp dlq` reads. */
export const DlqQueue = {
  /** Poison records the handler parked, each with its key, value and headers (or an S3 pointer to them). */
  DEAD_LETTERS: 'dead-letters',
  /** Batches the event source mapping gave up on: offset ranges only, no payloads. */
  ON_FAILURE: 'on-failure',
} as const;
export type DlqQueue = (typeof DlqQueue)[keyof typeof DlqQueue];
export const DLQ_QUEUES: readonly DlqQueue[] = Object.values(DlqQueue);

/** One topic-partition's share of an on-failure message. */
export interface OnFailureRange {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
}

/** What Lambda sends to an on-failure destination for a Kafka mapping (scripts/lambda-emulator/esm/msk-event.ts OnFailureRecord), as read back. */
export interface OnFailureEntry {
  readonly condition: string;
  readonly requestId: string;
  readonly timestamp: string;
  readonly batchSize: number;
  readonly ranges: readonly OnFailureRange[];
}

export type QueueMessage =
  | { readonly kind: 'dead-letter'; readonly letter: DeadLetter | OffloadedDeadLetter }
  | { readonly kind: 'on-failure'; readonly entry: OnFailureEntry }
  | { readonly kind: 'invalid'; readonly error: string };

const recordsInfoSchema = z.object({
  firstRecordOffset: z.string().regex(/^\d+$/),
  lastRecordOffset: z.string().regex(/^\d+$/),
  firstRecordTimestamp: z.string(),
  lastRecordTimestamp: z.string(),
});

const onFailureSchema = z.object({
  requestContext: z.object({ requestId: z.string(), condition: z.string() }),
  timestamp: z.string(),
  KafkaBatchInfo: z.object({ batchSize: z.number().int(), recordsInfo: z.record(z.string(), recordsInfoSchema) }),
});

/** Reads a message body of either queue; a body that is neither kind is reported, never thrown. */
export function readQueueMessage(body: string, queue: DlqQueue): QueueMessage {
  if (queue === DlqQueue.DEAD_LETTERS) {
    try {
      return { kind: 'dead-letter', letter: parseDeadLetter(body) };
    } catch (error) {
      if (error instanceof InvalidDeadLetterError) return { kind: 'invalid', error: error.message };
      throw error;
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { kind: 'invalid', error: `not JSON: ${(error as Error).message}` };
  }
  const result = onFailureSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { kind: 'invalid', error: `not an on-failure record: ${issue?.path.join('.') ?? '$'} ${issue?.message ?? ''}`.trim() };
  }
  const { requestContext, timestamp, KafkaBatchInfo: batch } = result.data;
  const ranges = Object.entries(batch.recordsInfo).flatMap(([topicPartition, info]) => {
    // "<topic>-<partition>": topics may contain '-', the partition is what follows the last one.
    const cut = topicPartition.lastIndexOf('-');
    const partition = Number(topicPartition.slice(cut + 1));
    if (cut <= 0 || !Number.isInteger(partition)) return [];
    return [
      {
        topic: topicPartition.slice(0, cut),
        partition,
        firstOffset: Number(info.firstRecordOffset),
        lastOffset: Number(info.lastRecordOffset),
        firstTimestamp: info.firstRecordTimestamp,
        lastTimestamp: info.lastRecordTimestamp,
      },
    ];
  });
  return {
    kind: 'on-failure',
    entry: { condition: requestContext.condition, requestId: requestContext.requestId, timestamp, batchSize: batch.batchSize, ranges },
  };
}

/** Where an offloaded dead letter's envelope is, or undefined for one carried inline. */
export function payloadLocationOf(message: QueueMessage): { bucket: string; key: string } | undefined {
  if (message.kind !== 'dead-letter' || !isOffloaded(message.letter)) return undefined;
  return { bucket: message.letter.payloadLocation.bucket, key: message.letter.payloadLocation.key };
}
