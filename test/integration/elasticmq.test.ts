// What the pipeline relies on from SQS, proved against ElasticMQ, the local
// stack's SQS, through the AWS SDK v3 client (JSON protocol): queues of both
// kinds, batches with FIFO group and deduplication ids and message
// attributes, receive and batch delete, the queue's message count, and FIFO
// deduplication that outlasts the message (SQS keeps an id for 5 minutes).
// If an ElasticMQ upgrade changes any of it, this file shows it first.
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticMq, type ElasticMq } from '../../scripts/devstack/elasticmq.js';
import { LOCAL_AWS } from '../../scripts/devstack/moto.js';

// The first run fetches ElasticMQ with Maven.
const COLD_START_TIMEOUT_MS = 10 * 60_000;
const RECEIVE_TIMEOUT_MS = 15_000;

let elasticMq: ElasticMq | undefined;
let sqs: SQSClient;

beforeAll(async () => {
  elasticMq = await startElasticMq({ onProgress: (line) => process.stderr.write(`${line}\n`) });
  sqs = new SQSClient({ endpoint: elasticMq.endpoint, ...LOCAL_AWS });
}, COLD_START_TIMEOUT_MS);

afterAll(async () => {
  sqs?.destroy();
  await elasticMq?.stop();
});

describe('ElasticMQ', () => {
  it('creates a standard queue whose URL is on the loopback address it serves', async () => {
    const queueUrl = await createQueue('standard');

    expect(queueUrl.startsWith(`http://127.0.0.1:${elasticMq?.port}/`)).toBe(true);
    expect(await attributes(queueUrl)).toMatchObject({ ApproximateNumberOfMessages: '0' });
    expect((await attributes(queueUrl)).FifoQueue).toBeUndefined();
  });

  it('creates a FIFO queue without content-based deduplication', async () => {
    const queueUrl = await createQueue('fifo', { fifo: true });

    expect(await attributes(queueUrl)).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'false' });
  });

  it('takes a batch of 10 with group and deduplication ids and attributes, delivers it in order per group, and batch-deletes it', async () => {
    const queueUrl = await createQueue('batch', { fifo: true });
    const entries = Array.from({ length: 10 }, (_, i) => entry(`store-${i % 2}`, `window-${i}`));

    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));

    expect(sent.Failed ?? []).toEqual([]);
    expect(sent.Successful).toHaveLength(10);
    expect(await count(queueUrl)).toBe(10);
    const messages = await receiveAndDelete(queueUrl, 10);
    for (const group of ['store-0', 'store-1']) {
      const received = messages.filter((m) => m.Attributes?.MessageGroupId === group).map((m) => m.Body);
      expect(received).toEqual(entries.filter((e) => e.MessageGroupId === group).map((e) => e.MessageBody));
    }
    const first = messages.find((m) => m.Body === entries[0]?.MessageBody);
    expect(first?.Attributes).toMatchObject({ MessageGroupId: 'store-0', MessageDeduplicationId: 'store-0/window-0' });
    expect(first?.MessageAttributes).toEqual({ processor: { DataType: 'String', StringValue: 'revenue-by-store' } });
    expect(await count(queueUrl)).toBe(0);
  });

  it('drops a repeated deduplication id in the same batch, in a later batch, and after the first message was deleted', async () => {
    const queueUrl = await createQueue('dedup', { fifo: true });
    const closed = entry('store-1', 'window-2026-01-01T10');

    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [closed, { ...closed, Id: 'again' }] }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [closed] }));
    expect(await count(queueUrl)).toBe(1);

    await receiveAndDelete(queueUrl, 1);
    const resent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [closed] }));

    // Accepted, as SQS accepts a duplicate, but not delivered again.
    expect(resent.Successful).toHaveLength(1);
    expect(await count(queueUrl)).toBe(0);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(Messages).toEqual([]);
  });
});

let entrySeq = 0;

function entry(groupId: string, window: string): SendMessageBatchRequestEntry & { MessageGroupId: string } {
  entrySeq += 1;
  return {
    Id: `e${entrySeq}`,
    MessageBody: JSON.stringify({ groupId, window }),
    MessageGroupId: groupId,
    MessageDeduplicationId: `${groupId}/${window}`,
    MessageAttributes: { processor: { DataType: 'String', StringValue: 'revenue-by-store' } },
  };
}

async function createQueue(prefix: string, options: { fifo?: boolean } = {}): Promise<string> {
  const fifo = options.fifo === true;
  const name = `${prefix}-${randomUUID().slice(0, 8)}${fifo ? '.fifo' : ''}`;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, ...(fifo ? { Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } } : {}) }),
  );
  if (QueueUrl === undefined) throw new Error(`ElasticMQ returned no QueueUrl for ${name}`);
  return QueueUrl;
}

async function attributes(queueUrl: string): Promise<Record<string, string>> {
  return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
}

/** ElasticMQ counts synchronously, so right after a send this is exact (on SQS it is approximate). */
async function count(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages);
}

/** Receives until `count` arrived, deleting each receive with one DeleteMessageBatch (a FIFO group's in-flight message holds back the rest). */
async function receiveAndDelete(queueUrl: string, expected: number): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (received.length < expected) {
    if (Date.now() > deadline) throw new Error(`${queueUrl}: ${received.length} of ${expected} message(s) after ${RECEIVE_TIMEOUT_MS} ms`);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) continue;
    const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
    expect(deleted.Failed ?? []).toEqual([]);
    received.push(...Messages);
  }
  return received;
}
