import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_ENVELOPE_VERSION,
  MAX_ERROR_MESSAGE_LENGTH,
  createDeadLetter,
  isOffloaded,
  parseDeadLetter,
  serializeDeadLetter,
  toOffloadedDeadLetter,
  type DeadLetter,
} from '../../../functions/core/dlq/envelope.js';
import { InvalidDeadLetterError } from '../../../functions/core/dlq/errors.js';
import { DeadLetterReason } from '../../../functions/core/dlq/reasons.js';
import type { KafkaEventRecord } from '../../../functions/core/msk/types.js';

const NOW = new Date('2024-05-06T07:08:09.123Z');

const fullRecord: KafkaEventRecord = {
  topic: 'orders',
  partition: 3,
  offset: 42,
  timestamp: 1_714_979_289_000,
  timestampType: 'CREATE_TIME',
  key: Buffer.from('order-1').toString('base64'),
  value: Buffer.from('{"id":"order-1"}').toString('base64'),
  headers: [{ traceparent: [0x30, 0x30] }, { 'content-type': [97, 98] }],
};

const { key: _key, value: _value, headers: _headers, ...bareRecord } = fullRecord;

function letterOf(overrides: { record?: KafkaEventRecord; error?: unknown } = {}): DeadLetter {
  return createDeadLetter({
    processor: 'order-enricher',
    reason: DeadLetterReason.DECODE_ERROR,
    error: 'error' in overrides ? overrides.error : new TypeError('bad bytes'),
    record: overrides.record ?? fullRecord,
    schemaVersionId: 'b7b4a7f0-9c3e-4d5a-8f6e-2a1b3c4d5e6f',
    eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc',
    now: NOW,
  });
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** A serialized full envelope with one field replaced (or removed, with `undefined`). */
function bodyWith(field: string, value: unknown): string {
  const json = JSON.parse(serializeDeadLetter(letterOf())) as Record<string, unknown>;
  json[field] = value;
  return JSON.stringify(json);
}

describe('createDeadLetter', () => {
  it('keeps the record exactly as it arrived and says when and why it failed', () => {
    // Act
    const letter = letterOf();

    // Assess
    expect(letter).toEqual({
      envelopeVersion: DEAD_LETTER_ENVELOPE_VERSION,
      processor: 'order-enricher',
      reason: 'DECODE_ERROR',
      error: { name: 'TypeError', message: 'bad bytes' },
      topic: 'orders',
      partition: 3,
      offset: 42,
      timestamp: 1_714_979_289_000,
      timestampType: 'CREATE_TIME',
      key: fullRecord.key,
      value: fullRecord.value,
      headers: fullRecord.headers,
      schemaVersionId: 'b7b4a7f0-9c3e-4d5a-8f6e-2a1b3c4d5e6f',
      eventSourceArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc',
      failedAt: '2024-05-06T07:08:09.123Z',
    });
  });

  it('uses null for a missing key and value and [] for missing headers', () => {
    // Act
    const letter = letterOf({ record: bareRecord });

    // Assess
    expect(letter.key).toBeNull();
    expect(letter.value).toBeNull();
    expect(letter.headers).toEqual([]);
  });

  it('takes the schema version id from the record when the caller does not know it', () => {
    // Prepare
    const valueSchemaMetadata = { dataFormat: 'AVRO', schemaId: 'from-mapping' } as const;
    const record: KafkaEventRecord = { ...fullRecord, valueSchemaMetadata };

    // Act
    const letter = createDeadLetter({ processor: 'p', reason: 'PROCESSING_ERROR', error: 'x', record, now: NOW });

    // Assess
    expect(letter.schemaVersionId).toBe('from-mapping');
    expect('eventSourceArn' in letter).toBe(false);
  });

  it.each([
    ['a string', 'plain failure', { name: 'Error', message: 'plain failure' }],
    ['a number', 42, { name: 'Error', message: '42' }],
    ['undefined', undefined, { name: 'Error', message: 'undefined' }],
    ['an object', { code: 'X' }, { name: 'Error', message: '[object Object]' }],
    ['an object without a prototype', Object.create(null) as object, { name: 'Error', message: '[object Object]' }],
    ['an empty string', '', { name: 'Error', message: '(no message)' }],
    ['an Error without a message', new RangeError(), { name: 'RangeError', message: '(no message)' }],
  ])('normalizes %s thrown into a name and a non-empty message', (_label, thrown, expected) => {
    // Act
    const letter = letterOf({ error: thrown });

    // Assess
    expect(letter.error).toEqual(expected);
  });

  it('caps a very long error message so the pointer form always fits in a message', () => {
    // Act
    const letter = letterOf({ error: new Error('x'.repeat(MAX_ERROR_MESSAGE_LENGTH * 3)) });

    // Assess
    expect(letter.error.message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_LENGTH);
    expect(letter.error.message.endsWith('…')).toBe(true);
  });
});

describe('serializeDeadLetter and parseDeadLetter', () => {
  it.each([
    ['a full record', letterOf()],
    ['a record without key, value or headers', letterOf({ record: bareRecord })],
    ['a record with a null key and value', letterOf({ record: { ...fullRecord, key: null, value: null } })],
    ['a string thrown', letterOf({ error: 'boom' })],
    ['a non-Error object thrown', letterOf({ error: { reason: 'nope' } })],
    ['a message with characters SQS rejects', letterOf({ error: new Error('odd \uFFFF\uFFFE \u0001 \uD800 !') })],
  ])('round-trips %s', (_label, letter) => {
    // Act
    const body = serializeDeadLetter(letter);
    const parsed = parseDeadLetter(body);

    // Assess
    expect(parsed).toEqual(letter);
    // Characters SQS refuses in a body: controls other than tab/LF/CR, U+FFFE, U+FFFF and lone surrogates.
    const refused = [...body].filter((c) => {
      const code = c.codePointAt(0) ?? 0;
      const control = code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
      return control || code === 0xfffe || code === 0xffff || (code >= 0xd800 && code <= 0xdfff);
    });
    expect(refused).toEqual([]);
  });

  it('round-trips the offloaded pointer form, which carries no record bytes', () => {
    // Prepare
    const location = { bucket: 'dlq-bucket', key: 'dead-letters/a.json', bytes: 1234 };
    const pointer = toOffloadedDeadLetter(letterOf(), location);

    // Act
    const parsed = parseDeadLetter(serializeDeadLetter(pointer));

    // Assess
    expect(parsed).toEqual(pointer);
    expect(isOffloaded(parsed)).toBe(true);
    expect(parsed).not.toHaveProperty('value');
    expect(parsed).not.toHaveProperty('key');
    expect(parsed).not.toHaveProperty('headers');
    expect(isOffloaded(letterOf())).toBe(false);
  });

  it.each([
    ['offset', undefined, 'offset'],
    ['offset', '42', 'offset'],
    ['partition', -1, 'partition'],
    ['reason', 'SOMETHING_ELSE', 'reason'],
    ['envelopeVersion', 2, 'envelopeVersion'],
    ['error', { name: 'Error', message: '' }, 'error.message'],
    ['headers', [{ h: [1, 'x'] }], 'headers[0].h[1]'],
    ['value', 17, 'value'],
    ['failedAt', 'yesterday', 'failedAt'],
    ['processor', undefined, 'processor'],
  ])('throws InvalidDeadLetterError naming %s when it is %j', (field, value, expectedField) => {
    // Act
    const error = caught(() => parseDeadLetter(bodyWith(field, value)));

    // Assess
    expect(error).toBeInstanceOf(InvalidDeadLetterError);
    expect((error as InvalidDeadLetterError).field).toBe(expectedField);
    expect((error as InvalidDeadLetterError).message).toContain(expectedField);
  });

  it('throws InvalidDeadLetterError naming the pointer field that is wrong', () => {
    // Prepare
    const pointer = toOffloadedDeadLetter(letterOf(), { bucket: '', key: 'k', bytes: 1 });

    // Act
    const error = caught(() => parseDeadLetter(serializeDeadLetter(pointer)));

    // Assess
    expect(error).toBeInstanceOf(InvalidDeadLetterError);
    expect((error as InvalidDeadLetterError).field).toBe('payloadLocation.bucket');
  });

  it.each([
    ['not JSON', '{"envelopeVersion":'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('throws InvalidDeadLetterError for a body that is %s', (_label, body) => {
    // Act
    const error = caught(() => parseDeadLetter(body));

    // Assess
    expect(error).toBeInstanceOf(InvalidDeadLetterError);
    expect((error as InvalidDeadLetterError).field).toBe('$');
  });
});
