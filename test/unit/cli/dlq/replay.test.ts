import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DeleteObjectCommand, GetObjectCommand, S3Client, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeDeadLetter, toOffloadedDeadLetter } from '../../../../functions/core/dlq/envelope.js';
import { replayDeadLetters } from '../../../../scripts/cli/dlq/replay.js';
import type { ReplayProducer, ReplayRecord } from '../../../../scripts/cli/dlq/replay-producer.js';
import { asMessage, DLQ_URL, fakeTarget, letter } from './fake-target.js';

const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);

/** A producer that records what it was given, and when, in the shared event log. */
function recordingProducer(events: string[], outcome: () => Promise<void> = () => Promise.resolve()): ReplayProducer & { sent: ReplayRecord[][] } {
  const sent: ReplayRecord[][] = [];
  return {
    sent,
    async send(records) {
      events.push(`send ${records.map((r) => r.value?.toString() ?? 'null').join(',')}`);
      sent.push([...records]);
      await outcome();
      events.push('acknowledged');
    },
    close: () => Promise.resolve(),
  };
}

describe('rtp dlq replay', () => {
  let events: string[];

  beforeEach(() => {
    events = [];
    sqs.reset();
    s3.reset();
    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '0' } });
    sqs.on(DeleteMessageBatchCommand).callsFake((input: { Entries: { ReceiptHandle: string }[] }) => {
      events.push(`delete ${input.Entries.map((e) => e.ReceiptHandle).join(',')}`);
      return { Successful: input.Entries.map((_, i) => ({ Id: String(i) })), Failed: [] };
    });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input: { Entries: { ReceiptHandle: string; VisibilityTimeout: number }[] }) => {
      events.push(`release ${input.Entries.map((e) => `${e.ReceiptHandle}:${e.VisibilityTimeout}`).join(',')}`);
      return { Successful: [], Failed: [] };
    });
  });

  afterEach(() => {
    sqs.reset();
    s3.reset();
  });

  it('deletes a letter only after its produce was acknowledged', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(11), 'm1'), asMessage(letter(10), 'm2')] }).resolves({});
    let acknowledge: () => void = () => undefined;
    const producer = recordingProducer(events, () => new Promise<void>((resolve) => (acknowledge = resolve)));

    // Act: hold the acknowledgement back and look at what happened meanwhile
    const running = replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });
    await waitFor(() => events.length > 0);
    const beforeAck = [...events];
    acknowledge();
    const report = await running;

    // Assess
    expect(beforeAck).toEqual(['send {"order":10},{"order":11}']);
    expect(events).toEqual(['send {"order":10},{"order":11}', 'acknowledged', 'delete rh-m2,rh-m1']);
    expect(report.replayed.map((r) => r.offset)).toEqual([10, 11]);
    expect(report.error).toBeUndefined();
  });

  it('re-produces the original key, value, headers, partition and timestamp', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10, { partition: 2 }), 'm1')] }).resolves({});
    const producer = recordingProducer(events);

    await replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });

    const [record] = producer.sent[0] ?? [];
    expect(record).toMatchObject({ topic: 'orders', partition: 2, timestamp: String(1_767_261_600_010) });
    expect(record?.key?.toString()).toBe('order-10');
    expect(record?.value?.toString()).toBe('{"order":10}');
    // Two headers of one name stay two values, in order; signed bytes are the same bytes.
    expect(record?.headers['trace-id']).toEqual([Buffer.from('t-10'), Buffer.from([0xff, 0xff])]);
  });

  it('deletes nothing and releases the letters when the produce fails', async () => {
    // Prepare
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10), 'm1'), asMessage(letter(11, { partition: 2 }), 'm2')] }).resolves({});
    const producer = recordingProducer(events, () => Promise.reject(new Error('NOT_ENOUGH_REPLICAS')));

    // Act
    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });

    // Assess: the first send failed, the second was never tried, both letters are visible again
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(events).toEqual(['send {"order":10}', 'release rh-m1:0,rh-m2:0']);
    expect(report.replayed).toEqual([]);
    expect(report.error).toMatch(/orders partition 1 failed: NOT_ENOUGH_REPLICAS/);
  });

  it('replays only the reason asked for and leaves the rest visible', async () => {
    sqs.on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [asMessage(letter(10), 'm1'), asMessage(letter(11, { reason: 'PROCESSING_ERROR' }), 'm2'), asMessage('not json', 'm3')] })
      .resolves({});
    const producer = recordingProducer(events);

    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { reason: 'PROCESSING_ERROR', openProducer: () => Promise.resolve(producer) });

    expect(events).toEqual(['send {"order":11}', 'acknowledged', 'delete rh-m2', 'release rh-m1:0,rh-m3:0']);
    expect(report).toMatchObject({ otherReasons: 1, invalid: 1, foreign: 0 });
  });

  it('refuses a letter for another topic than the processor reads, and keeps it', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10, { topic: 'payments' }), 'm1')] }).resolves({});
    const producer = recordingProducer(events);

    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });

    expect(producer.sent).toEqual([]);
    expect(report.foreign).toBe(1);
    expect(events).toEqual(['release rh-m1:0']);
  });

  it('produces a record dead-lettered twice once, and deletes both letters', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10), 'm1')] }).resolvesOnce({ Messages: [asMessage(letter(10), 'm2')] }).resolves({});
    const producer = recordingProducer(events);

    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });

    expect(events).toEqual(['send {"order":10}', 'acknowledged', 'delete rh-m1', 'send ', 'acknowledged', 'delete rh-m2']);
    expect(report).toMatchObject({ duplicatesDeleted: 1 });
    expect(report.replayed).toHaveLength(1);
  });

  it('in a dry run lists the letters, opens no producer and deletes nothing', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10), 'm1'), asMessage(letter(11), 'm2')] }).resolves({});

    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', {
      dryRun: true,
      openProducer: () => Promise.reject(new Error('must not be opened')),
    });

    expect(report.replayed.map((r) => [r.messageId, r.offset])).toEqual([['m1', 10], ['m2', 11]]);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(events).toEqual(['release rh-m1:0,rh-m2:0']);
  });

  it('stops at --limit and leaves the rest', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(letter(10), 'm1'), asMessage(letter(11), 'm2'), asMessage(letter(12), 'm3')] }).resolves({});
    const producer = recordingProducer(events);

    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { limit: 2, openProducer: () => Promise.resolve(producer) });

    expect(report.replayed.map((r) => r.offset)).toEqual([10, 11]);
    expect(events).toEqual(['send {"order":10},{"order":11}', 'acknowledged', 'delete rh-m1,rh-m2', 'release rh-m3:0']);
  });

  it('fetches an offloaded letter from S3, and deletes its payload after the letter', async () => {
    // Prepare
    const full = letter(10);
    const stored = serializeDeadLetter(full);
    const location = { bucket: 'dead-letters', key: 'dead-letters/order-analytics/orders/1/10.json', bytes: Buffer.byteLength(stored) };
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [asMessage(serializeDeadLetter(toOffloadedDeadLetter(full, location)), 'm1')] }).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: sdkBody(stored) });
    s3.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
      events.push(`delete s3 ${input.Key}`);
      return {};
    });
    const producer = recordingProducer(events);

    // Act
    const report = await replayDeadLetters(fakeTarget(), 'order-analytics', { openProducer: () => Promise.resolve(producer) });

    // Assess
    expect(events).toEqual(['send {"order":10}', 'acknowledged', 'delete rh-m1', `delete s3 ${location.key}`]);
    expect(report).toMatchObject({ payloadsLeft: 0, unresolved: [] });
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({ QueueUrl: DLQ_URL, VisibilityTimeout: 300 });
  });
});

function sdkBody(text: string): NonNullable<GetObjectCommandOutput['Body']> {
  const stream = Readable.from([Buffer.from(text, 'utf8')]);
  return Object.assign(stream, {
    transformToString: () => Promise.resolve(text),
    transformToByteArray: () => Promise.resolve(new Uint8Array(Buffer.from(text, 'utf8'))),
    transformToWebStream: () => Readable.toWeb(stream),
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not reached');
}
