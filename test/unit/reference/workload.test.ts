import { describe, expect, it } from 'vitest';
import { planWorkload, type WorkloadStep } from '../../../scripts/reference/workload.js';

const START = Date.parse('2026-11-22T09:00:00.000Z');
type Kind = WorkloadStep['kind'];
const ofKind = <K extends Kind>(steps: WorkloadStep[], kind: K) => steps.filter((s): s is Extract<WorkloadStep, { kind: K }> => s.kind === kind);

describe('the retail workload plan', () => {
  const steps = planWorkload({ events: 20_000, startAt: START, seed: 7 });

  it('is the same plan for the same seed, and another for another seed', () => {
    expect(planWorkload({ events: 500, startAt: START, seed: 7 })).toEqual(planWorkload({ events: 500, startAt: START, seed: 7 }));
    expect(planWorkload({ events: 500, startAt: START, seed: 8 })).not.toEqual(planWorkload({ events: 500, startAt: START, seed: 7 }));
  });

  it('mixes orders of all three schema versions, movements, repeats, corrections, late events and poison records', () => {
    const orders = ofKind(steps, 'order');
    expect(orders.length).toBeGreaterThan(7_000);
    expect(new Set(orders.map((o) => o.schemaVersion))).toEqual(new Set([1, 2, 3]));
    expect(ofKind(steps, 'movement').length).toBeGreaterThan(12_000);
    expect(ofKind(steps, 'order-republish').length).toBeGreaterThan(200);
    expect(ofKind(steps, 'movement-update').length + ofKind(steps, 'movement-delete').length).toBeGreaterThan(300);
    expect(orders.filter((o) => o.late).length).toBeGreaterThan(10);
    expect(ofKind(steps, 'poison').length).toBeGreaterThan(10);
  });

  it('writes orders whose total is the sum of their lines, exactly, and plans that total in integer cents', () => {
    // Parsed here by digits, not with the processor's own decimal parser: prices are positive, two decimals.
    const cents = (decimal: string): number => {
      const match = /^(\d+)\.(\d\d)$/.exec(decimal);
      if (match === null) throw new Error(`'${decimal}' is not a positive decimal with two fraction digits`);
      return Number(match[1]) * 100 + Number(match[2]);
    };
    for (const { order, totalCents } of ofKind(steps, 'order')) {
      const sum = order.lines.reduce((total, l) => total + cents(l.unitPrice) * l.quantity, 0);
      expect([cents(order.total), totalCents]).toEqual([sum, sum]);
    }
  });

  it('keeps on-time events within the out-of-orderness and puts late ones ten minutes behind', () => {
    // Prepare: every event an order (orderShare 1), so the k-th order is event k, whose nominal event time is
    // START + k × 25 ms (40 events/s by default); one in ten late, to see plenty of them.
    const orders = ofKind(planWorkload({ events: 4_000, startAt: START, seed: 7, orderShare: 1, lateRate: 0.1 }), 'order');

    // Act: each order's event time less its nominal one.
    const offsets = orders.map(({ order, late }, k) => ({ late, offsetMs: order.createdAt.getTime() - (START + k * 25) }));

    // Assess: on time means within the default 3 s jitter (inside the processors' 5 s out-of-orderness);
    // late means 10 minutes (600 000 ms) behind, give or take the same jitter.
    expect(orders).toHaveLength(4_000);
    const onTime = offsets.filter((o) => !o.late).map((o) => o.offsetMs);
    const late = offsets.filter((o) => o.late).map((o) => o.offsetMs);
    expect(late.length).toBeGreaterThan(300);
    expect(onTime.length).toBeGreaterThan(3_000);
    expect(Math.min(...onTime)).toBeGreaterThanOrEqual(-3_000);
    expect(Math.max(...onTime)).toBeLessThanOrEqual(3_000);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(-603_000);
    expect(Math.max(...late)).toBeLessThanOrEqual(-597_000);
  });

  it('only repeats or corrects what was planned before it', () => {
    let orders = 0;
    let movements = 0;
    for (const step of steps) {
      if (step.kind === 'order') orders += 1;
      if (step.kind === 'movement') movements += 1;
      if (step.kind === 'order-republish') expect(step.order).toBeLessThan(orders);
      if (step.kind === 'movement-update' || step.kind === 'movement-delete') expect(step.movement).toBeLessThan(movements);
    }
  });

  it('gives each order a unique id and event id', () => {
    const orders = ofKind(steps, 'order');
    expect(new Set(orders.map((o) => o.order.orderId)).size).toBe(orders.length);
    expect(new Set(orders.map((o) => o.eventId)).size).toBe(orders.length);
  });
});
