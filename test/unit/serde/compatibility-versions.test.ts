// Compatibility against a subject's history: the modes that look at the latest
// version or at all of them, version numbering, DISABLED and NONE, and a run
// through versions of the orders subject.
import { describe, expect, it } from 'vitest';
import { checkCompatibility, CompatibilityMode } from '../../../functions/core/serde/compatibility.js';
import { SerdeArgumentError } from '../../../functions/core/serde/errors.js';
import { field, MODES, order, R, record, summary, type Json } from './compatibility-fixtures.js';

// --- several prior versions -------------------------------------------------

describe('checkCompatibility against several prior versions', () => {
  // v2 adds `note` with a default; v3 keeps the field but drops the default.
  // v3 reads v2 data (it has `note`) but not v1 data (it does not).
  const v1 = order();
  const v2 = order(field('note', 'string', { default: '' }));
  const v3 = order(field('note', 'string'));

  it('accepts v3 under BACKWARD, which only looks at the latest version', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD, v3, [v1, v2]);

    expect(verdict.compatible).toBe(true);
    expect(verdict.violations).toEqual([]);
  });

  it('rejects v3 under BACKWARD_ALL when version 1 lacks a field v3 has no default for', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, v3, [v1, v2]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: R.READER_FIELD_MISSING_DEFAULT,
        path: 'Order.note',
        message: "Field 'Order.note' is in the new schema without a default, and data written with version 1 does not have it.",
        againstVersion: 1,
        direction: 'new-reads-prior',
      },
    ]);
  });

  it('accepts v3 under FULL but rejects it under FULL_ALL, naming version 1 only', () => {
    expect(checkCompatibility(CompatibilityMode.FULL, v3, [v1, v2]).compatible).toBe(true);

    const verdict = checkCompatibility(CompatibilityMode.FULL_ALL, v3, [v1, v2]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([1]);
  });

  it('rejects under FORWARD_ALL but accepts under FORWARD when only version 1 cannot read the new data', () => {
    // v1 requires `note`, v2 gives it a default, v3 removes it.
    const f1 = order(field('note', 'string'));
    const f2 = order(field('note', 'string', { default: '' }));
    const f3 = order();

    expect(checkCompatibility(CompatibilityMode.FORWARD, f3, [f1, f2]).compatible).toBe(true);
    const verdict = checkCompatibility(CompatibilityMode.FORWARD_ALL, f3, [f1, f2]);

    expect(summary(verdict.violations)).toEqual([['prior-reads-new', R.READER_FIELD_MISSING_DEFAULT, 'Order.note']]);
    expect(verdict.violations[0]?.againstVersion).toBe(1);
    expect(verdict.violations[0]?.message).toBe(
      "Field 'Order.note' is in version 1 without a default, and data written with the new schema does not have it.",
    );
  });

  it('rejects under BACKWARD_ALL naming every incompatible version, oldest first', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, order(field('note', 'string')), [v1, v1, v2]);

    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([1, 2]);
  });

  it('accepts numbering prior versions from firstVersionNumber', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, v3, [v1, v2], { firstVersionNumber: 7 });

    expect(verdict.violations.map((violation) => violation.againstVersion)).toEqual([7]);
  });

  it('rejects under DISABLED when the subject already has versions, naming the latest', () => {
    const verdict = checkCompatibility(CompatibilityMode.DISABLED, v1, [v1, v1]);

    expect(verdict.compatible).toBe(false);
    expect(summary(verdict.violations)).toEqual([['versioning', R.VERSIONING_DISABLED, 'Order']]);
    expect(verdict.violations[0]?.againstVersion).toBe(2);
  });

  it('accepts a first version under every mode', () => {
    for (const mode of MODES) {
      expect(checkCompatibility(mode, v3, [])).toEqual({ compatible: true, mode, violations: [] });
    }
  });

  it('accepts anything under NONE', () => {
    expect(checkCompatibility(CompatibilityMode.NONE, '"string"', [v1, v2]).compatible).toBe(true);
  });

  it('rejects an unknown mode', () => {
    expect(() => checkCompatibility('SIDEWAYS' as CompatibilityMode, v1, [])).toThrow(/Unknown compatibility mode 'SIDEWAYS'/);
  });

  it('rejects a firstVersionNumber below 1', () => {
    expect(() => checkCompatibility(CompatibilityMode.BACKWARD, v1, [v1], { firstVersionNumber: 0 })).toThrow(SerdeArgumentError);
  });
});

// --- the orders subject -----------------------------------------------------

/**
 * Modelled on the `orders` subject (its real schemas are not in the repository
 * yet): the standard event envelope, then the order as `payload`.
 */
function orderEvent(...payloadFields: readonly Json[]): string {
  const lineItem = record('OrderLine', [field('sku', 'string'), field('quantity', 'int'), field('unit_price', 'double')]);
  const payload = record('Order', [
    field('order_id', 'string'),
    field('customer_id', 'string'),
    field('store_id', 'string'),
    field('items', { type: 'array', items: lineItem }),
    field('total', 'double'),
    field('currency', 'string'),
    ...payloadFields,
  ]);
  const envelope = record(
    'OrderEvent',
    [
      field('event_id', 'string'),
      field('event_type', 'string'),
      field('occurred_at', { type: 'long', logicalType: 'timestamp-millis' }),
      field('source', 'string'),
      field('correlation_id', ['null', 'string'], { default: null }),
      field('schema_version', 'int'),
      field('payload', payload),
    ],
    { namespace: 'com.example.retail.orders' },
  );
  return JSON.stringify(envelope);
}

describe('checkCompatibility on the orders subject', () => {
  const ordersV1 = orderEvent();
  const ordersV2 = orderEvent(field('shipping_method', 'string', { default: 'standard' }));
  const ordersV3 = orderEvent(
    field('shipping_method', 'string', { default: 'standard' }),
    field('promo_code', ['null', 'string'], { default: null }),
  );
  const ordersV4 = orderEvent(field('shipping_method', 'string'), field('promo_code', ['null', 'string'], { default: null }));

  it('accepts v2 and v3 under FULL_ALL', () => {
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV2, [ordersV1]).violations).toEqual([]);
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV3, [ordersV1, ordersV2]).violations).toEqual([]);
  });

  it('rejects a v4 without the shipping_method default under BACKWARD_ALL, naming version 1', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD_ALL, ordersV4, [ordersV1, ordersV2, ordersV3]);

    expect(verdict.compatible).toBe(false);
    expect(verdict.violations).toEqual([
      {
        rule: R.READER_FIELD_MISSING_DEFAULT,
        path: 'OrderEvent.payload.shipping_method',
        message:
          "Field 'OrderEvent.payload.shipping_method' is in the new schema without a default, and data written with version 1 does not have it.",
        againstVersion: 1,
        direction: 'new-reads-prior',
      },
    ]);
    expect(checkCompatibility(CompatibilityMode.FULL_ALL, ordersV4, [ordersV1, ordersV2, ordersV3]).compatible).toBe(false);
  });

  it('accepts that v4 under BACKWARD, since v3 data always has shipping_method', () => {
    // Only the latest version is compared, and v3 wrote the field.
    expect(checkCompatibility(CompatibilityMode.BACKWARD, ordersV4, [ordersV1, ordersV2, ordersV3]).compatible).toBe(true);
  });

  it('rejects that v4 under BACKWARD when the subject has only version 1', () => {
    const verdict = checkCompatibility(CompatibilityMode.BACKWARD, ordersV4, [ordersV1]);

    expect(summary(verdict.violations)).toEqual([
      ['new-reads-prior', R.READER_FIELD_MISSING_DEFAULT, 'OrderEvent.payload.shipping_method'],
    ]);
  });
});
