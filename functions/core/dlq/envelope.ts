import type { KafkaEventRecord, KafkaRecordHeaders } from '../msk/types.js';
import { InvalidDeadLetterError } from './errors.js';
import { DeadLetterReason } from './reasons.js';
import * as z from '../validation/zod-mini.js';

export const DEAD_LETTER_ENVELOPE_VERSION = 1;

/**
 * Error messages are capped so that the offloaded pointer, which keeps the
 * error, always fits in one SQS message however long the thrown message was.
 */
export const MAX_ERROR_MESSAGE_LENGTH = 4096;
const MAX_ERROR_NAME_LENGTH = 256;
const NO_MESSAGE = '(no message)';
const OFFLOAD_PREFIX = 'dead-letters';
const MAX_KEY_SEGMENT_LENGTH = 200;

/** A record that could not be processed, with everything needed to inspect, replay or resolve it. */
export interface DeadLetter {
  readonly envelopeVersion: typeof DEAD_LETTER_ENVELOPE_VERSION;
  /** The processor that gave up on the record. */
  readonly processor: string;
  readonly reason: DeadLetterReason;
  readonly error: { readonly name: string; readonly message: string };
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: string;
  /** Base64, exactly as it arrived; null when the record had no key. */
  readonly key: string | null;
  /** Base64, exactly as it arrived; null for a tombstone. */
  readonly value: string | null;
  /** Exactly as they arrived: one object per header, value as a byte array. */
  readonly headers: KafkaRecordHeaders;
  /** The writer schema, when known. */
  readonly schemaVersionId?: string;
  readonly eventSourceArn?: string;
  /** ISO-8601. */
  readonly failedAt: string;
}

/** Where an offloaded dead letter's full envelope is stored. */
export interface PayloadLocation {
  readonly bucket: string;
  readonly key: string;
  /** Size of the stored envelope JSON in bytes (UTF-8). */
  readonly bytes: number;
}

/** A dead letter too big for SQS: the envelope without the record bytes, plus where the full envelope is. */
export interface OffloadedDeadLetter extends Omit<DeadLetter, 'key' | 'value' | 'headers'> {
  readonly payloadLocation: PayloadLocation;
}

export interface CreateDeadLetterInput {
  readonly processor: string;
  readonly reason: DeadLetterReason;
  /** Whatever was thrown; need not be an `Error`. */
  readonly error: unknown;
  readonly record: KafkaEventRecord;
  /** @default the record's `valueSchemaMetadata.schemaId`, when the mapping reported one */
  readonly schemaVersionId?: string;
  readonly eventSourceArn?: string;
  /** @default the current time */
  readonly now?: Date;
}

export function createDeadLetter(input: CreateDeadLetterInput): DeadLetter {
  const { record } = input;
  const schemaVersionId = input.schemaVersionId ?? record.valueSchemaMetadata?.schemaId;
  return {
    envelopeVersion: DEAD_LETTER_ENVELOPE_VERSION,
    processor: input.processor,
    reason: input.reason,
    error: describeError(input.error),
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestampType,
    key: record.key ?? null,
    value: record.value ?? null,
    headers: record.headers ?? [],
    // The envelope is a wire format: a field it does not have is absent, not null or undefined.
    ...(schemaVersionId === undefined ? {} : { schemaVersionId }),
    ...(input.eventSourceArn === undefined ? {} : { eventSourceArn: input.eventSourceArn }),
    failedAt: (input.now ?? new Date()).toISOString(),
  };
}

/** The pointer form of `letter`, sent in its place when the full envelope is stored at `location`. */
export function toOffloadedDeadLetter(letter: DeadLetter, location: PayloadLocation): OffloadedDeadLetter {
  const { key: _key, value: _value, headers: _headers, ...rest } = letter;
  return { ...rest, payloadLocation: { bucket: location.bucket, key: location.key, bytes: location.bytes } };
}

export function isOffloaded(letter: DeadLetter | OffloadedDeadLetter): letter is OffloadedDeadLetter {
  return 'payloadLocation' in letter;
}

/** Where an offloaded letter's full envelope is stored in its bucket: by processor, topic, partition, offset and time. */
export function offloadKey(letter: DeadLetter): string {
  const file = `${letter.offset}-${keySegment(letter.failedAt)}.json`;
  const { processor, topic, partition } = letter;
  return [OFFLOAD_PREFIX, keySegment(processor), keySegment(topic), String(partition), file].join('/');
}

/** Whether `stored` is the record `pointer` was sent in place of. */
export function isPointerTo(pointer: OffloadedDeadLetter, stored: DeadLetter): boolean {
  return (
    pointer.processor === stored.processor &&
    pointer.reason === stored.reason &&
    pointer.topic === stored.topic &&
    pointer.partition === stored.partition &&
    pointer.offset === stored.offset &&
    pointer.failedAt === stored.failedAt
  );
}

/**
 * JSON of the envelope. U+FFFE and U+FFFF are the only characters JSON leaves
 * as they are that SQS rejects in a message body; an error message can carry
 * them, so they are written as escapes.
 */
export function serializeDeadLetter(letter: DeadLetter | OffloadedDeadLetter): string {
  return JSON.stringify(letter).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** Reads a DLQ message body; throws `InvalidDeadLetterError` naming the first bad field. */
export function parseDeadLetter(body: string): DeadLetter | OffloadedDeadLetter {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidDeadLetterError('Dead letter is not valid JSON', '$', { cause });
  }
  const offloaded = typeof json === 'object' && json !== null && 'payloadLocation' in json;
  const result = offloaded ? offloadedDeadLetterSchema.safeParse(json) : deadLetterSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = formatPath(issue?.path ?? []);
    const detail = issue?.message ?? 'unknown issue';
    throw new InvalidDeadLetterError(`Dead letter field ${field} is invalid: ${detail}`, field, { cause: result.error });
  }
  return result.data;
}

const envelopeBaseSchema = z.object({
  envelopeVersion: z.literal(DEAD_LETTER_ENVELOPE_VERSION),
  processor: z.string().check(z.minLength(1)),
  reason: z.enum(DeadLetterReason),
  error: z.object({ name: z.string().check(z.minLength(1)), message: z.string().check(z.minLength(1)) }),
  topic: z.string().check(z.minLength(1)),
  partition: z.number().check(z.int(), z.gte(0)),
  offset: z.number().check(z.int(), z.gte(0)),
  timestamp: z.number(),
  timestampType: z.string(),
  schemaVersionId: z.optional(z.string()),
  eventSourceArn: z.optional(z.string()),
  failedAt: z.iso.datetime({ offset: true }),
});

const deadLetterSchema = z.extend(envelopeBaseSchema, {
  key: z.nullable(z.string()),
  value: z.nullable(z.string()),
  // Byte values are not range-checked: they are kept exactly as Lambda delivered them.
  headers: z.array(z.record(z.string(), z.array(z.number().check(z.int())))),
});

const offloadedDeadLetterSchema = z.extend(envelopeBaseSchema, {
  payloadLocation: z.object({
    bucket: z.string().check(z.minLength(1)),
    key: z.string().check(z.minLength(1)),
    bytes: z.number().check(z.int(), z.gte(0)),
  }),
});

// Only characters that need no escaping anywhere, and never an empty, "." or ".." segment.
function keySegment(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, MAX_KEY_SEGMENT_LENGTH);
  return /^\.*$/.test(cleaned) ? cleaned.replace(/\./g, '_') || '_' : cleaned;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '$';
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : `${i === 0 ? '' : '.'}${String(segment)}`))
    .join('');
}

function describeError(error: unknown): DeadLetter['error'] {
  if (error instanceof Error) {
    return {
      name: truncate(error.name || 'Error', MAX_ERROR_NAME_LENGTH),
      message: truncate(error.message || NO_MESSAGE, MAX_ERROR_MESSAGE_LENGTH),
    };
  }
  return { name: 'Error', message: truncate(safeString(error) || NO_MESSAGE, MAX_ERROR_MESSAGE_LENGTH) };
}

// String() throws for objects without a usable toString (Object.create(null), a throwing toString).
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Cut before a split surrogate pair so the result stays well-formed text.
  const end = isHighSurrogate(text.charCodeAt(max - 2)) ? max - 2 : max - 1;
  return `${text.slice(0, end)}…`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
