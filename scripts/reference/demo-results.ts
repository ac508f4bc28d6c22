import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Admin } from 'kafkajs';
import { isOffloaded, parseDeadLetter, type DeadLetter } from '../../functions/core/dlq/envelope.js';
import { resolveDeadLetter } from '../../functions/core/dlq/s3-offloaded-payloads.js';
import type { RecordDecoder } from '../../functions/core/serde/record-decoder.js';
import type { OrderEventEnvelope } from '../../functions/order-analytics/definition.js';

/** Drains a queue: every message received, then deleted. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (let empty = 0; empty < 2; ) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60 }));
    if (Messages.length === 0) {
      empty += 1;
      continue;
    }
    bodies.push(...Messages.map((m) => m.Body ?? ''));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })) }));
  }
  return bodies;
}

/**
 * Reads a queue as its consumer would, every `everyMs`, handing each
 * message's body on and deleting it, until stopped: the queue stays short,
 * as it does on AWS where something downstream reads it. `stop()` reads
 * what is left and resolves once the last read is done.
 */
export function consumeQueue(sqs: SQSClient, queueUrl: string, onBodies: (bodies: readonly string[]) => void, everyMs = 1_000): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      onBodies(await drainQueue(sqs, queueUrl));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    onBodies(await drainQueue(sqs, queueUrl));
  })();
  // A read that fails ends the loop; the failure is the stopper's to see, never an unhandled rejection.
  const ended = loop.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    stop: async () => {
      stopped = true;
      const failure = await ended;
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error('reading the queue failed', { cause: failure });
    },
  };
}

/** Every dead letter of a queue, offloaded ones read back from S3. */
export async function readDeadLetters(sqs: SQSClient, s3: S3Client, queueUrl: string): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (const body of await drainQueue(sqs, queueUrl)) {
    const letter = parseDeadLetter(body);
    letters.push(isOffloaded(letter) ? await resolveDeadLetter(body, s3) : letter);
  }
  return letters;
}

/** The event id of the order behind a LATE_EVENT dead letter, decoded as order-analytics decoded it. */
export async function lateEventIdOf(letter: DeadLetter, decoder: RecordDecoder): Promise<string> {
  const decoded = await decoder.decode(letter.value === null ? null : Buffer.from(letter.value, 'base64'));
  return (decoded.value as OrderEventEnvelope).event_id;
}

/** Records not yet committed by a consumer group, over its topics. */
export async function consumerLag(admin: Admin, groupId: string, topics: readonly string[]): Promise<{ lag: number; end: number }> {
  let lag = 0;
  let end = 0;
  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const topic of topics) {
    const high = await admin.fetchTopicOffsets(topic);
    const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
    for (const p of high) {
      const at = Number(mine.find((m) => m.partition === p.partition)?.offset ?? '-1');
      const last = Number(p.high);
      end += last;
      lag += Math.max(0, last - Math.max(0, at));
    }
  }
  return { lag, end };
}
