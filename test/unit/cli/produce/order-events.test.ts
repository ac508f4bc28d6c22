import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../../functions/core/serde/avro-schema.js';
import { subjectSchema } from '../../../../functions/core/serde/subject-schema.js';
import { orderEvents } from '../../../../scripts/cli/produce/order-events.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');

function take(count: number, options: { seed?: number; version?: number } = {}): Array<Record<string, unknown>> {
  const next = orderEvents({ seed: options.seed ?? 5, version: options.version ?? 3, startAt: START, eventsPerSecond: 100 });
  return Array.from({ length: count }, () => next());
}

describe('orderEvents', () => {
  it.each([1, 2, 3])('writes envelopes schema v%i accepts, with that schema_version', (version) => {
    const type = parseAvroSchema(subjectSchema('orders', version));
    for (const event of take(300, { version })) {
      expect(type.isValid(event)).toBe(true);
      expect(event.schema_version).toBe(version);
    }
  });

  it('keeps order and event ids unique across planning chunks', () => {
    const events = take(2_500);
    const orderIds = new Set(events.map((e) => (e.payload as { order_id: string }).order_id));
    expect(orderIds.size).toBe(2_500);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(2_500);
  });

  it('places event times at the requested rate from the start', () => {
    const times = take(1_200).map((e) => (e.occurred_at as Date).getTime());
    expect(times[0]).toBe(START);
    // 100 events/s: the 1 200th is about 12 s later, and times never go back.
    expect(times.at(-1)).toBeGreaterThan(START + 11_000);
    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] ?? 0))).toBe(true);
  });

  it('repeats exactly with the same seed and differs with another', () => {
    const type = parseAvroSchema(subjectSchema('orders', 3));
    const encoded = (seed: number): string[] => take(100, { seed }).map((e) => type.toBuffer(e).toString('hex'));
    expect(encoded(5)).toEqual(encoded(5));
    expect(encoded(6)).not.toEqual(encoded(5));
  });
});
