import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));

export function subjectVersion(subject: string, version: number): string {
  return readFileSync(`${SCHEMAS_DIR}${subject}/v${version}.avsc`, 'utf8');
}

/** Glue schema version ids the tests register the orders versions under. */
export const ORDERS_SCHEMA_IDS = {
  1: '7d1c3b8e-0f4a-4c59-9f2e-3a1b5c6d7e01',
  2: '7d1c3b8e-0f4a-4c59-9f2e-3a1b5c6d7e02',
  3: '7d1c3b8e-0f4a-4c59-9f2e-3a1b5c6d7e03',
} as const;

/** An order event as a producer of `version` writes it. */
export function orderEvent(version: 1 | 2 | 3, overrides: { eventId?: string; total?: string } = {}): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    order_id: 'o-1001',
    customer_id: 'c-42',
    store_id: 'store-7',
    channel: 'web',
    currency: 'EUR',
    total: overrides.total ?? '59.97',
    lines: [{ sku: 'SKU-1', quantity: 3, unit_price: '19.99' }],
  };
  if (version >= 2) payload.shipping_method = 'express';
  if (version >= 3) payload.promo_code = 'WINTER10';
  return {
    event_id: overrides.eventId ?? `evt-v${version}`,
    event_type: 'ORDER_PLACED',
    occurred_at: new Date('2026-01-01T10:00:00.000Z'),
    source: 'order-service',
    correlation_id: null,
    schema_version: version,
    payload,
  };
}
