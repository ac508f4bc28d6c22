import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../../functions/core/serde/avro-schema.js';
import { GlueCompression, writeGlueFrame } from '../../../functions/core/serde/glue-wire-format.js';
import { finalWindowResults } from '../../../functions/core/state/window-results.js';
import { orderAnalytics, toCents, type RiskAlert, type StoreRevenue } from '../../../functions/order-analytics/definition.js';
import { EngineHarness } from '../../helpers/engine-harness.js';
import { InMemorySchemaRegistry } from '../../helpers/in-memory-schema-registry.js';
import { kafkaRecord } from '../../helpers/kafka-events.js';
import { ORDERS_SCHEMA_IDS, orderEvent, subjectVersion } from '../../helpers/orders.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const registry = () => new InMemorySchemaRegistry(Object.fromEntries(([1, 2, 3] as const).map((v) => [ORDERS_SCHEMA_IDS[v], subjectVersion('orders', v)])));

interface Order {
  readonly version?: 1 | 2 | 3;
  readonly id: string;
  readonly at: number;
  readonly store: string;
  readonly customer: string;
  readonly total: string;
  readonly type?: string;
  readonly promo?: boolean;
}

function orderRecord(offset: number, order: Order, partition = 0) {
  const version = order.version ?? 3;
  const event = orderEvent(version, { eventId: order.id, total: order.total });
  const payload = { ...(event.payload as object), store_id: order.store, customer_id: order.customer, ...(version === 3 ? { promo_code: order.promo === true ? 'WINTER10' : null } : {}) };
  const value = { ...event, event_type: order.type ?? 'ORDER_PLACED', occurred_at: new Date(order.at), payload };
  const body = parseAvroSchema(subjectVersion('orders', version)).toBuffer(value);
  return kafkaRecord({ topic: 'orders', partition, offset, value: writeGlueFrame(ORDERS_SCHEMA_IDS[version], body, offset % 2 === 0 ? GlueCompression.NONE : GlueCompression.ZLIB) });
}

describe('order-analytics', () => {
  it('sums revenue and orders per store per minute, exactly, across all three schema versions', async () => {
    // Prepare
    const harness = new EngineHarness(orderAnalytics({ partitions: 1 }), registry());
    const orders: Order[] = [
      { version: 1, id: 'e1', at: T0 + 1_000, store: 's1', customer: 'c1', total: '10.10' },
      { version: 2, id: 'e2', at: T0 + 20_000, store: 's1', customer: 'c2', total: '0.20' },
      { version: 3, id: 'e3', at: T0 + 30_000, store: 's2', customer: 'c1', total: '5.00' },
      { version: 3, id: 'e4', at: T0 + 65_000, store: 's1', customer: 'c3', total: '1.99' },
      { version: 3, id: 'e5', at: T0 + 66_000, store: 's1', customer: 'c3', total: '99.99', type: 'ORDER_CANCELLED' },
      { version: 3, id: 'e2', at: T0 + 20_000, store: 's1', customer: 'c2', total: '0.20' },
    ];

    // Act
    await harness.deliver(orders.map((o, i) => orderRecord(i, o)));
    await harness.closeAll();

    // Assess
    const revenue = finalWindowResults([...harness.items('final-window'), ...harness.items('final-windows')]).filter((w) => w.view === 'store-revenue').map((w) => [w.key, w.start - T0, w.result as unknown as StoreRevenue]);
    expect(revenue.sort()).toEqual([
      ['s1', 0, { orders: 2, revenueCents: 1030 }],
      ['s1', 60_000, { orders: 1, revenueCents: 199 }],
      ['s2', 0, { orders: 1, revenueCents: 500 }],
    ]);
    expect(harness.deadLetters.letters).toEqual([]);
  });

  it('announces a risk alert for a customer whose 5-minute score reaches the threshold, and none for a quiet one', async () => {
    // Prepare: c-busy orders 8 times in two minutes at three stores, twice with a promo code.
    const harness = new EngineHarness(orderAnalytics({ partitions: 1, riskThreshold: 100 }), registry());
    const busy: Order[] = Array.from({ length: 8 }, (_, i) => ({ id: `b${i}`, at: T0 + i * 15_000, store: `s${i % 3}`, customer: 'c-busy', total: '120.00', promo: i < 2 }));
    const quiet: Order = { id: 'q1', at: T0 + 10_000, store: 's1', customer: 'c-quiet', total: '15.00' };

    // Act
    await harness.deliver([...busy, quiet].map((o, i) => orderRecord(i, o)));
    await harness.closeAll();

    // Assess, by the documented score (10 per order, 1 per 100.00, 15 per store beyond the first, 5 per promo order).
    // The orders fall at T0 + 0..105 s. The 5-minute windows sliding by a minute that hold all eight start at
    // T0 - 180 s, -120 s, -60 s and T0: 8*10 + 9 (960.00) + 2*15 + 2*5 = 129. The one at T0 - 240 s holds b0..b3
    // (4*10 + 4 + 2*15 + 2*5 = 84) and the one at T0 + 60 s holds b4..b7 (4*10 + 4 + 2*15 = 74): under 100, as is c-quiet's 10.
    const alerts = harness.emissions.map((e) => JSON.parse(e.body) as { key: string; windowStart: number; payload: RiskAlert });
    expect(alerts.map((a) => [a.key, a.windowStart - T0, a.payload.score]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual([
      ['c-busy', -180_000, 129],
      ['c-busy', -120_000, 129],
      ['c-busy', -60_000, 129],
      ['c-busy', 0, 129],
    ]);
    expect(new Set(harness.emissions.map((e) => e.deduplicationId)).size).toBe(4);
  });

  it('dead-letters an order too late for every window', async () => {
    const harness = new EngineHarness(orderAnalytics({ partitions: 1 }), registry());
    await harness.deliver([
      orderRecord(0, { id: 'now', at: T0 + 10 * 60_000, store: 's1', customer: 'c1', total: '1.00' }),
      orderRecord(1, { id: 'old', at: T0, store: 's1', customer: 'c1', total: '1.00' }),
    ]);
    expect(harness.deadLetters.letters.map((l) => [l.offset, l.reason])).toEqual([[1, 'LATE_EVENT']]);
  });

  it('reads money exactly', () => {
    expect(toCents('59.97')).toBe(5997);
    expect(toCents('-0.50')).toBe(-50);
    expect(() => toCents('1.5')).toThrow(/two fraction digits/);
  });
});
