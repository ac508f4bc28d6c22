import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { messageBytes, packBatches, type OutgoingEntry } from '../../../functions/core/sqs/batch-packing.js';

function outgoing(index: number, entry: Omit<SendMessageBatchRequestEntry, 'Id'>): OutgoingEntry {
  const withId = { ...entry, Id: String(index) };
  return { index, entry: withId, bytes: messageBytes(withId) };
}

const ids = (batches: readonly OutgoingEntry[][]): number[][] => batches.map((batch) => batch.map((item) => item.index));

describe('messageBytes', () => {
  it('counts the body in UTF-8 bytes, not characters', () => {
    expect(messageBytes({ MessageBody: 'é'.repeat(10) })).toBe(20);
  });

  it('adds each attribute name, data type and value, as SQS does', () => {
    const bytes = messageBytes({
      MessageBody: 'body',
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: 'DECODE_ERROR' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array(7) },
      },
    });

    expect(bytes).toBe(4 + ('reason'.length + 'String'.length + 'DECODE_ERROR'.length) + ('blob'.length + 'Binary'.length + 7));
  });
});

describe('packBatches', () => {
  it('puts at most 10 entries in a request', () => {
    const items = Array.from({ length: 21 }, (_, i) => outgoing(i, { MessageBody: 'x' }));

    expect(packBatches(items, { maxBytes: 1_000, onePerGroup: false }).map((batch) => batch.length)).toEqual([10, 10, 1]);
  });

  it('fills a request exactly to the byte limit and no further', () => {
    const items = Array.from({ length: 5 }, (_, i) => outgoing(i, { MessageBody: 'x'.repeat(250) }));

    expect(ids(packBatches(items, { maxBytes: 1_000, onePerGroup: false }))).toEqual([[0, 1, 2, 3], [4]]);
    expect(ids(packBatches(items, { maxBytes: 999, onePerGroup: false }))).toEqual([[0, 1, 2], [3, 4]]);
  });

  it('counts message attributes toward the byte limit', () => {
    // 300 bytes of body and 100 of attributes: two fit in 1000 bytes, three only without the attributes.
    const attributes = { a: { DataType: 'String', StringValue: 'v'.repeat(100 - 'a'.length - 'String'.length) } };
    const items = Array.from({ length: 3 }, (_, i) => outgoing(i, { MessageBody: 'x'.repeat(300), MessageAttributes: attributes }));

    expect(items.map((item) => item.bytes)).toEqual([400, 400, 400]);
    expect(ids(packBatches(items, { maxBytes: 1_000, onePerGroup: false }))).toEqual([[0, 1], [2]]);
  });

  it('keeps entries in order, never going back to an earlier request with room', () => {
    const sizes = [600, 500, 300, 100];
    const items = sizes.map((size, i) => outgoing(i, { MessageBody: 'x'.repeat(size) }));

    expect(ids(packBatches(items, { maxBytes: 1_000, onePerGroup: false }))).toEqual([[0], [1, 2, 3]]);
  });

  it('puts an entry over the limit alone in a request', () => {
    const items = [outgoing(0, { MessageBody: 'x' }), outgoing(1, { MessageBody: 'x'.repeat(2_000) }), outgoing(2, { MessageBody: 'x' })];

    expect(ids(packBatches(items, { maxBytes: 1_000, onePerGroup: false }))).toEqual([[0], [1], [2]]);
  });

  it('with onePerGroup, takes the first request after the group’s previous one that has room', () => {
    const groups = ['a', 'a', 'a', 'b', 'c', 'b'];
    const items = groups.map((group, i) => outgoing(i, { MessageBody: 'x', MessageGroupId: group }));

    expect(ids(packBatches(items, { maxBytes: 1_000, onePerGroup: true }))).toEqual([[0, 3, 4], [1, 5], [2]]);
  });
});
