import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';

/** Entries SendMessageBatch takes in one request. */
export const SQS_MAX_BATCH_ENTRIES = 10;
/** The largest message, and largest request, real SQS takes. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;
/**
 * The largest message, and largest request, that every SQS-compatible
 * endpoint accepts (real SQS now takes up to 1 MiB).
 * @see https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 262_144;

/** An entry on its way to SQS; `index` is its place in the send and doubles as the batch entry id. */
export interface OutgoingEntry {
  readonly index: number;
  readonly entry: SendMessageBatchRequestEntry;
  readonly bytes: number;
}

/** Size as SQS counts it: the body plus each attribute's name, type and value. */
export function messageBytes(entry: Pick<SendMessageBatchRequestEntry, 'MessageBody' | 'MessageAttributes'>): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8') + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: MessageAttributeValue): number {
  if (value.StringValue !== undefined) return Buffer.byteLength(value.StringValue, 'utf8');
  return value.BinaryValue?.byteLength ?? 0;
}

export interface PackingOptions {
  /** Largest sum of entry sizes in one request. */
  readonly maxBytes: number;
  /**
   * At most one entry per message group in a request, a group's entries in
   * increasing requests, so that a group keeps its order even when SQS fails
   * some entries of a request. Otherwise entries fill requests in order.
   */
  readonly onePerGroup: boolean;
}

/**
 * Requests of at most 10 entries and `maxBytes`, in the order of `items`.
 * An entry takes the first request with room at or after its floor: the
 * last request, or with `onePerGroup` the request after its group's previous
 * one, so other groups still fill the requests. An entry over `maxBytes`
 * goes alone in a request (the caller refuses it first).
 */
export function packBatches<T extends OutgoingEntry>(items: readonly T[], options: PackingOptions): T[][] {
  const batches: Array<{ items: T[]; bytes: number }> = [];
  const lastBatchOfGroup = new Map<string, number>();
  for (const item of items) {
    const group = options.onePerGroup ? item.entry.MessageGroupId : undefined;
    let n = group === undefined ? Math.max(0, batches.length - 1) : (lastBatchOfGroup.get(group) ?? -1) + 1;
    for (; n < batches.length; n++) {
      const batch = batches[n];
      if (batch !== undefined && hasRoom(batch, item, options.maxBytes)) break;
    }
    const batch = batches[n] ?? { items: [], bytes: 0 };
    if (n === batches.length) batches.push(batch);
    batch.items.push(item);
    batch.bytes += item.bytes;
    if (group !== undefined) lastBatchOfGroup.set(group, n);
  }
  return batches.map((batch) => batch.items);
}

function hasRoom(batch: { readonly items: readonly OutgoingEntry[]; readonly bytes: number }, item: OutgoingEntry, maxBytes: number): boolean {
  return batch.items.length < SQS_MAX_BATCH_ENTRIES && batch.bytes + item.bytes <= maxBytes;
}
